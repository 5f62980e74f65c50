//! Creating a container: spawn the init, then let it set the container up.

use std::os::fd::{BorrowedFd, IntoRawFd};
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi_derive::napi;
use ocirun_core::cgroups::{self, CgroupPaths};
use ocirun_core::init::protocol::InitOptions;
use ocirun_core::launcher::{notify, preflight, procfs, Launch, LaunchError, LaunchRequest, StartWith};
use ocirun_core::spec::Spec;
use ocirun_core::sys::fs as sysfs;

use crate::cgroups::CheckResult;
use crate::failure::{failure, NativeFailure};
use crate::task::{blocking, Blocking};
use crate::INIT_EXECUTABLE;

#[napi(object)]
pub struct LaunchOptions {
    pub id: String,
    /// Absolute path of the bundle.
    pub bundle: String,
    /// Absolute path of the root filesystem.
    pub rootfs: String,
    /// The container's state directory (holds exec.fifo).
    pub state_dir: String,
    pub no_pivot: bool,
    /// The planned cgroups (planCgroups' JSON).
    pub cgroup_paths: String,
    /// The descriptors (in this process) to become the container's stdin, stdout and stderr;
    /// absent: this process's own. The caller keeps them open until the spawn resolves.
    pub stdio: Option<Vec<i32>>,
    /// Keep the caller's session keyring (`--no-new-keyring`).
    pub no_new_keyring: Option<bool>,
    /// Descriptors (in this process) the container's process gets as 3, 4, ... (LISTEN_FDS,
    /// `--preserve-fds`); the caller keeps them open until the spawn resolves.
    pub preserve_fds: Option<Vec<i32>>,
    /// `--console-socket`: where the terminal's master goes (process.terminal).
    pub console_socket: Option<String>,
    /// Added to process.env (LISTEN_FDS, LISTEN_PID, NOTIFY_SOCKET).
    pub extra_env: Option<Vec<String>>,
    /// The environment of prestart and createRuntime hooks that have no env of their own.
    pub hook_env: Option<Vec<String>>,
    /// Fork the init from this process's zygote rather than spawn it (a long-lived caller).
    pub zygote: Option<bool>,
    /// NOTIFY_SOCKET passthrough: make the state directory's notify/, mount it at /run/notify
    /// and point the container's NOTIFY_SOCKET at the socket start binds there.
    pub notify: Option<bool>,
}

/// The container's init between spawn and ready.
#[napi]
pub struct InitHandle {
    launch: Arc<Mutex<Option<Launch>>>,
    pid: i32,
    start_time: i64,
    cgroup_paths: String,
}

#[napi(object, object_from_js = false)]
pub struct SpawnResult {
    pub handle: Option<InitHandle>,
    pub failure: Option<NativeFailure>,
    /// Lines for the debug log (seccomp syscall names no table knows, skipped as runc does).
    pub debug: Vec<String>,
}

#[napi(object)]
pub struct ProceedResult {
    /// What the init could not apply and went on without (capabilities it cannot grant, ...).
    pub warnings: Vec<String>,
    /// The terminal's master (process.terminal without a console socket), owned by the
    /// caller from now on.
    pub console: Option<i32>,
    pub failure: Option<NativeFailure>,
}

/// Checks config.json's process and linux settings beyond cgroups (scheduler, labels, memory
/// policy, network devices, ...) against the spec's rules and this host, before anything exists.
#[napi]
pub fn check_settings(config: Buffer) -> CheckResult {
    let checked = serde_json::from_slice::<Spec>(&config)
        .map_err(LaunchError::Config)
        .and_then(|spec| preflight::check(&spec).map_err(LaunchError::Setting));
    match checked {
        Ok(warnings) => CheckResult { warnings, failure: None },
        Err(e) => CheckResult { warnings: vec![], failure: Some(failure(e)) },
    }
}

/// Spawns the init and sends it config.json (as read from the bundle) and the options.
/// Resolves once the container's init process exists (it is a child of this process).
#[napi(ts_return_type = "Promise<SpawnResult>")]
pub fn spawn_init(config: Buffer, options: LaunchOptions) -> AsyncTask<Blocking<SpawnResult>> {
    let config = config.to_vec();
    blocking(move || spawn(&config, options))
}

/// spawnInit, blocking the calling thread: for the CLI, which has nothing else to do meanwhile
/// and saves the thread pool's start-up.
#[napi]
pub fn spawn_init_sync(config: Buffer, options: LaunchOptions) -> SpawnResult {
    spawn(&config, options)
}

fn spawn(config: &[u8], mut options: LaunchOptions) -> SpawnResult {
    let stdio = options.stdio.take();
    let launched = with_stdio(stdio.as_deref(), |stdio| {
        let preserve = borrowed(options.preserve_fds.as_deref().unwrap_or(&[]))?;
        launch(config, options, stdio, preserve)
    });
    match launched {
        Ok(launch) => {
            let pid = launch.pid();
            let debug =
                launch.unknown_syscalls().iter().map(|n| format!("unknown seccomp syscall {n:?} ignored")).collect();
            // The init is our child and unreaped, so its stat cannot belong to another process.
            let start_time = procfs::stat(pid).map(|s| s.start_time as i64).unwrap_or(0);
            let cgroup_paths = serde_json::to_string(&launch.cgroup_paths()).unwrap_or_default();
            let handle = InitHandle { launch: Arc::new(Mutex::new(Some(launch))), pid, start_time, cgroup_paths };
            SpawnResult { handle: Some(handle), failure: None, debug }
        }
        Err(e) => SpawnResult { handle: None, failure: Some(failure(e)), debug: vec![] },
    }
}

pub(crate) fn start_with(zygote: Option<bool>) -> StartWith {
    if zygote.unwrap_or(false) {
        StartWith::Zygote
    } else {
        StartWith::Spawn
    }
}

/// Runs `f` with the caller's three stdio descriptors borrowed, or None for this process's own.
pub(crate) fn with_stdio<R>(
    stdio: Option<&[i32]>,
    f: impl FnOnce(Option<[BorrowedFd<'_>; 3]>) -> Result<R, LaunchError>,
) -> Result<R, LaunchError> {
    match stdio {
        None => f(None),
        Some(&[i, o, e]) => {
            sysfs::with_borrowed([i, o, e], |fds| f(Some(fds))).unwrap_or_else(|errno| Err(LaunchError::Spawn(errno)))
        }
        Some(_) => Err(LaunchError::Unexpected("stdio needs exactly three descriptors".into())),
    }
}

/// The caller's descriptors, each checked to be open; they stay the caller's.
pub(crate) fn borrowed(fds: &[i32]) -> Result<Vec<BorrowedFd<'static>>, LaunchError> {
    fds.iter()
        .map(|&fd| {
            sysfs::inherited(fd).ok_or(LaunchError::Path {
                what: "pass the descriptor",
                path: format!("/proc/self/fd/{fd}").into(),
                errno: ocirun_core::sys::Errno::EBADF,
            })
        })
        .collect()
}

fn launch(
    config: &[u8],
    options: LaunchOptions,
    stdio: Option<[BorrowedFd<'_>; 3]>,
    preserve: Vec<BorrowedFd<'_>>,
) -> Result<Launch, LaunchError> {
    let paths = serde_json::from_str::<CgroupPaths>(&options.cgroup_paths)?;
    let state_dir = std::path::PathBuf::from(&options.state_dir);
    let mut extra_env = options.extra_env.unwrap_or_default();
    let mut extra_mounts = vec![];
    if options.notify == Some(true) {
        notify::make_dir(&state_dir)?;
        extra_env.push(notify::container_env());
        extra_mounts.push(notify::container_mount(&state_dir));
    }
    let request = LaunchRequest {
        options: InitOptions {
            id: options.id,
            bundle: options.bundle.into(),
            rootfs: options.rootfs.into(),
            state_dir,
            no_pivot: options.no_pivot,
            cgroups: None,
            cgroup_fd: None,
            no_new_keyring: options.no_new_keyring.unwrap_or(false),
            seccomp: None,
            preserve_fds: 0,
            extra_env,
            extra_mounts,
        },
        config,
        stdio,
        preserve,
        console_socket: options.console_socket.map(Into::into),
        cgroups: cgroups::open(&paths),
        hook_env: options.hook_env.unwrap_or_default(),
        start_with: start_with(options.zygote),
    };
    Launch::spawn(INIT_EXECUTABLE, request)
}

fn proceed(launch: &Mutex<Option<Launch>>) -> ProceedResult {
    let mut guard = match launch.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    let Some(l) = guard.as_mut() else {
        return ProceedResult {
            warnings: vec![],
            console: None,
            failure: Some(failure(LaunchError::Unexpected("proceed after release".into()))),
        };
    };
    match l.proceed() {
        Ok(warnings) => {
            ProceedResult { warnings, console: l.take_console().map(IntoRawFd::into_raw_fd), failure: None }
        }
        Err(e) => {
            *guard = None;
            ProceedResult { warnings: vec![], console: None, failure: Some(failure(e)) }
        }
    }
}

#[napi]
impl InitHandle {
    /// The container init's pid on the host.
    #[napi(getter)]
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Its start time (clock ticks after boot), which identifies it across pid reuse.
    #[napi(getter)]
    pub fn start_time(&self) -> i64 {
        self.start_time
    }

    /// Where the container's cgroups are (JSON, as ocirun stores it in state.json).
    #[napi(getter)]
    pub fn cgroup_paths(&self) -> String {
        self.cgroup_paths.clone()
    }

    /// Lets the init set the container up; resolves when it waits on exec.fifo, or with the
    /// failure (the init is then killed and reaped).
    #[napi(ts_return_type = "Promise<ProceedResult>")]
    pub fn proceed(&self) -> AsyncTask<Blocking<ProceedResult>> {
        let launch = self.launch.clone();
        blocking(move || proceed(&launch))
    }

    /// proceed, blocking the calling thread (for the CLI).
    #[napi]
    pub fn proceed_sync(&self) -> ProceedResult {
        proceed(&self.launch)
    }

    /// Kills the init and reaps it: undoes a create that failed after the spawn.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn abort(&self) -> AsyncTask<Blocking<()>> {
        let launch = self.launch.clone();
        blocking(move || {
            let mut guard = match launch.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            if let Some(l) = guard.take() {
                l.kill_and_reap();
            }
        })
    }

    /// Lets go of the init once the container is created: the control socket closes, and the
    /// init stays a child of this process until it exits.
    #[napi]
    pub fn release(&self) {
        let mut guard = match self.launch.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.take();
    }
}

//! Spawning the init and driving it until the container is ready.

use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use super::hooks::RuntimeHooks;
use super::seccomp_listener::Listener;
use super::{cgroup_setup, init_binary, LaunchError};
use crate::cgroups::{self, CgroupPaths, Manager};
use crate::init::channel::{Channel, ChannelError};
use crate::init::protocol::{FromInit, InitOptions, SeccompLoad, ToInit};
use crate::seccomp::{self, Program};
use crate::spec::Spec;
use crate::sys::{fs as sysfs, pidfd, spawn};

/// The descriptor number of the control socket in the init.
const CONTROL_FD: i32 = 3;

pub struct LaunchRequest<'a> {
    pub options: InitOptions,
    /// The cgroups to create (see cgroup_setup::plan).
    pub cgroups: Box<dyn Manager>,
    /// config.json exactly as read from the bundle.
    pub config: &'a [u8],
    /// Descriptors to become the init's stdin, stdout and stderr; None keeps the caller's.
    pub stdio: Option<[BorrowedFd<'a>; 3]>,
    /// The environment of prestart and createRuntime hooks without an env of their own.
    pub hook_env: Vec<String>,
}

/// The number of the cgroup v2 directory's descriptor in the init.
const CGROUP_FD: i32 = 4;

/// A container init on its way to Ready.
pub struct Launch {
    channel: Channel,
    pid: i32,
    pidfd: OwnedFd,
    cgroups: Box<dyn Manager>,
    /// Where a seccomp notification descriptor goes (SCMP_ACT_NOTIFY).
    listener: Option<Listener>,
    unknown_syscalls: Vec<String>,
    hooks: RuntimeHooks,
}

impl Launch {
    /// Spawns the init (stage 0), sends it the configuration and waits until it reports the
    /// container init's pid. The container init is a child of the calling process.
    pub fn spawn(init: &'static [u8], mut req: LaunchRequest<'_>) -> Result<Launch, LaunchError> {
        let spec: Spec = serde_json::from_slice(req.config)?;
        // Compiled before anything exists, so that a bad profile leaves nothing behind.
        let seccomp = spec.linux().seccomp.as_ref().map(seccomp::compile_for_host).transpose()?;
        let listener = Listener::of(&spec, &req.options);
        let hooks = RuntimeHooks::of(&spec, &req.options, std::mem::take(&mut req.hook_env));
        let cgroups = cgroup_setup::prepare(&spec, req.cgroups.as_ref())?;
        // A copy for the undo below: the launch owns the original.
        let undo = cgroups::open(&cgroups.paths());
        match Self::spawn_in(init, req, cgroups, seccomp.as_ref()) {
            Ok(mut launch) => {
                launch.listener = listener;
                launch.hooks = hooks;
                launch.unknown_syscalls = seccomp.map(|p| p.unknown_syscalls).unwrap_or_default();
                launch.with_net_devices(&spec)
            }
            Err(e) => {
                let _ = undo.destroy();
                Err(e)
            }
        }
    }

    /// Moves linux.netDevices into the container's network namespace, which exists now, before
    /// the init sets anything up. On failure the init is killed and its cgroups removed.
    fn with_net_devices(self, spec: &Spec) -> Result<Launch, LaunchError> {
        let devices = &spec.linux().net_devices;
        if devices.is_empty() {
            return Ok(self);
        }
        match crate::netdev::move_into(self.pid, devices) {
            Ok(()) => Ok(self),
            Err(e) => {
                self.kill_and_reap();
                Err(e.into())
            }
        }
    }

    fn spawn_in(
        init: &'static [u8],
        mut req: LaunchRequest<'_>,
        cgroups: Box<dyn Manager>,
        seccomp: Option<&Program>,
    ) -> Result<Launch, LaunchError> {
        let exe = init_binary::sealed(init)?;
        let cgroup_dir =
            match cgroups.clone_into() {
                Some(d) => Some(
                    sysfs::openat(None, d, libc::O_RDONLY | libc::O_DIRECTORY, 0)
                        .map_err(|errno| LaunchError::Path { what: "open", path: d.to_path_buf(), errno })?,
                ),
                None => None,
            };
        req.options.cgroups = Some(cgroups.paths());
        req.options.cgroup_fd = cgroup_dir.as_ref().map(|_| CGROUP_FD);
        req.options.seccomp = seccomp.map(|p| SeccompLoad { flags: p.flags });
        let (ours, theirs) = UnixStream::pair().map_err(|e| LaunchError::Spawn(io_errno(&e)))?;
        // Stdio is always mapped explicitly: Node marks its own 0-2 close-on-exec.
        let mut fd_map: Vec<(BorrowedFd<'_>, i32)> = match &req.stdio {
            Some(stdio) => stdio.iter().enumerate().map(|(i, fd)| (*fd, i as i32)).collect(),
            None => sysfs::open_stdio(),
        };
        fd_map.push((theirs.as_fd(), CONTROL_FD));
        if let Some(d) = &cgroup_dir {
            fd_map.push((d.as_fd(), CGROUP_FD));
        }
        let argv = [c"ocirun-init".to_owned(), CString::from(c"3")];
        let stage0 = spawn::spawn_fd(exe, &argv, &[], &fd_map).map_err(LaunchError::Spawn)?;
        drop(theirs);

        let mut channel = Channel::new(ours);
        let sent = channel
            .send(&ToInit::Bootstrap { options: Box::new(req.options) })
            .and_then(|_| channel.send_bytes(req.config))
            .and_then(|_| seccomp.map_or(Ok(()), |p| channel.send_bytes(&p.filter_bytes())));
        let reply = sent.and_then(|_| channel.recv::<FromInit>());
        // Stage 0 exits right after it reports; reap it whatever it said.
        let stage0_status = pidfd::waitpid(stage0).map(|s| s.code()).unwrap_or(-1);
        let pid = match reply {
            Ok(FromInit::InitPid { pid }) => pid,
            Ok(FromInit::Failed(f)) => return Err(LaunchError::Init(f)),
            Ok(other) => return Err(LaunchError::Unexpected(format!("{other:?}"))),
            Err(ChannelError::Closed) => return Err(LaunchError::InitExited(stage0_status)),
            Err(e) => return Err(e.into()),
        };
        let pidfd = pidfd::pidfd_open(pid).map_err(|errno| LaunchError::Pidfd { pid, errno })?;
        Ok(Launch {
            channel,
            pid,
            pidfd,
            cgroups,
            listener: None,
            unknown_syscalls: Vec::new(),
            hooks: RuntimeHooks::default(),
        })
    }

    /// The container init's pid, as the host sees it.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    pub fn pidfd(&self) -> BorrowedFd<'_> {
        self.pidfd.as_fd()
    }

    /// Lets the init set the container up and waits for Ready. Returns the warnings it sent.
    /// On failure the init is killed and reaped before the error returns.
    pub fn proceed(&mut self) -> Result<Vec<String>, LaunchError> {
        let result = self.run_to_ready();
        if result.is_err() {
            self.kill_and_reap();
        }
        result
    }

    fn run_to_ready(&mut self) -> Result<Vec<String>, LaunchError> {
        self.channel.send(&ToInit::Proceed)?;
        let mut warnings = Vec::new();
        loop {
            match self.channel.recv::<FromInit>() {
                Ok(FromInit::Warning { message }) => warnings.push(message),
                Ok(FromInit::SeccompListener) => self.hand_over_listener()?,
                Ok(FromInit::RuntimeHooks) => {
                    self.hooks.run(self.pid)?;
                    self.channel.send(&ToInit::RuntimeHooksDone)?;
                }
                Ok(FromInit::Ready) => return Ok(warnings),
                Ok(FromInit::Failed(f)) => return Err(LaunchError::Init(f)),
                Ok(other) => return Err(LaunchError::Unexpected(format!("{other:?}"))),
                Err(ChannelError::Closed) => {
                    let status = pidfd::wait_child(self.pidfd.as_fd()).map(|s| s.code()).unwrap_or(-1);
                    return Err(LaunchError::InitExited(status));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Gives the agent the notification descriptor the init sent; ours closes afterwards.
    fn hand_over_listener(&mut self) -> Result<(), LaunchError> {
        let fd = self.channel.take_fd().ok_or_else(|| LaunchError::Unexpected("a seccomp listener without its descriptor".into()))?;
        let listener = self.listener.as_ref().ok_or_else(|| LaunchError::Unexpected("a seccomp listener nobody asked for".into()))?;
        listener.send(self.pid, fd.as_fd())
    }

    /// Syscall names of the seccomp profile that no table knows (skipped, as runc skips them).
    pub fn unknown_syscalls(&self) -> &[String] {
        &self.unknown_syscalls
    }

    /// Kills the container init, reaps it (it is our child) and removes its cgroups. Used to
    /// undo a create.
    pub fn kill_and_reap(&self) {
        let _ = pidfd::pidfd_send_signal(self.pidfd.as_fd(), libc::SIGKILL);
        let _ = pidfd::wait_child(self.pidfd.as_fd());
        let _ = self.cgroups.destroy();
    }

    /// Where the container's cgroups are.
    pub fn cgroup_paths(&self) -> CgroupPaths {
        self.cgroups.paths()
    }

    /// Hands over the process descriptor once the container is created.
    pub fn into_pidfd(self) -> OwnedFd {
        self.pidfd
    }
}

fn io_errno(e: &std::io::Error) -> crate::sys::Errno {
    crate::sys::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

//! Spawning the init and driving it until the container is ready.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;

use super::conversation::{self, Handlers, Ready};
use super::hooks::RuntimeHooks;
use super::seccomp_listener::Listener;
use super::spawn_init::{self, InitFds, StartWith};
use super::{cgroup_setup, LaunchError};
use crate::cgroups::{self, CgroupPaths, Manager};
use crate::init::channel::Channel;
use crate::init::protocol::{InitOptions, SeccompLoad, ToInit};
use crate::seccomp::{self, Program};
use crate::spec::Spec;
use crate::sys::{fs as sysfs, pidfd};

pub struct LaunchRequest<'a> {
    pub options: InitOptions,
    /// The cgroups to create (see cgroup_setup::plan).
    pub cgroups: Box<dyn Manager>,
    /// config.json exactly as read from the bundle.
    pub config: &'a [u8],
    /// Descriptors to become the init's stdin, stdout and stderr; None keeps the caller's.
    pub stdio: Option<[BorrowedFd<'a>; 3]>,
    /// Descriptors the container's process gets as 3, 4, ... (LISTEN_FDS, `--preserve-fds`).
    pub preserve: Vec<BorrowedFd<'a>>,
    /// `--console-socket`: where the terminal's master goes (process.terminal).
    pub console_socket: Option<PathBuf>,
    /// The environment of prestart and createRuntime hooks without an env of their own.
    pub hook_env: Vec<String>,
    pub start_with: StartWith,
}

/// A container init on its way to Ready.
pub struct Launch {
    channel: Channel,
    pid: i32,
    pidfd: OwnedFd,
    cgroups: Box<dyn Manager>,
    /// Where a seccomp notification descriptor goes (SCMP_ACT_NOTIFY).
    listener: Option<Listener>,
    console_socket: Option<PathBuf>,
    /// The terminal's master, kept when there is no console socket to send it to.
    console: Option<OwnedFd>,
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
        let listener = Listener::of(&spec, &req.options.id, &req.options.bundle);
        let console_socket = req.console_socket.clone();
        let hooks = RuntimeHooks::of(&spec, &req.options, std::mem::take(&mut req.hook_env));
        let cgroups = cgroup_setup::prepare(&spec, req.cgroups.as_ref())?;
        // A copy for the undo below: the launch owns the original.
        let undo = cgroups::open(&cgroups.paths());
        match Self::spawn_in(init, req, cgroups, seccomp.as_ref()) {
            Ok(mut launch) => {
                launch.listener = listener;
                launch.console_socket = console_socket;
                launch.hooks = hooks;
                launch.unknown_syscalls = seccomp.map(|p| p.unknown_syscalls).unwrap_or_default();
                launch.with_id_maps(&spec)?.with_net_devices(&spec)
            }
            Err(e) => {
                let _ = undo.destroy();
                Err(e)
            }
        }
    }

    /// Writes the id maps of the container's new user namespace, which exists now, before the
    /// init does anything in it. On failure the init is killed and its cgroups removed.
    fn with_id_maps(self, spec: &Spec) -> Result<Launch, LaunchError> {
        match super::id_maps::write(self.pid, spec.linux()) {
            Ok(()) => Ok(self),
            Err(e) => {
                self.kill_and_reap();
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
        let cgroup_dir =
            match cgroups.clone_into() {
                Some(d) => Some(
                    sysfs::openat(None, d, libc::O_RDONLY | libc::O_DIRECTORY, 0)
                        .map_err(|errno| LaunchError::Path { what: "open", path: d.to_path_buf(), errno })?,
                ),
                None => None,
            };
        let fds = InitFds {
            stdio: req.stdio,
            preserve: &req.preserve,
            extra: cgroup_dir.iter().map(|d| d.as_fd()).collect(),
        };
        req.options.cgroups = Some(cgroups.paths());
        req.options.cgroup_fd = cgroup_dir.as_ref().map(|_| fds.extra_number(0));
        req.options.seccomp = seccomp.map(|p| SeccompLoad { flags: p.flags });
        req.options.preserve_fds = req.preserve.len() as u32;
        let (mut channel, stage0) = spawn_init::spawn(init, &fds, req.start_with)?;
        let sent = channel
            .send(&ToInit::Bootstrap { options: Box::new(req.options) })
            .and_then(|_| channel.send_bytes(req.config))
            .and_then(|_| seccomp.map_or(Ok(()), |p| channel.send_bytes(&p.filter_bytes())));
        let (pid, pidfd) = spawn_init::child_pid(&mut channel, sent, stage0)?;
        Ok(Launch {
            channel,
            pid,
            pidfd,
            cgroups,
            listener: None,
            console_socket: None,
            console: None,
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
        let handlers = Handlers {
            listener: self.listener.as_ref(),
            console_socket: self.console_socket.as_deref(),
            runtime_hooks: Some(&self.hooks),
        };
        let Ready { warnings, console } =
            conversation::until_ready(&mut self.channel, self.pid, self.pidfd.as_fd(), &handlers)?;
        self.console = console;
        Ok(warnings)
    }

    /// The terminal's master (process.terminal without a console socket), once ready.
    pub fn take_console(&mut self) -> Option<OwnedFd> {
        self.console.take()
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

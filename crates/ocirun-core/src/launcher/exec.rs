//! `exec`: starting a process in a running container. The init executable joins the
//! container's cgroups and namespaces and forks the process there (init/stage_exec.rs); this
//! side proves the container's init is still the process it was, hands over a pidfd and the
//! root directory of it, and reads the setup messages until the program has been executed.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use super::conversation::{self, Handlers};
use super::seccomp_listener::Listener;
use super::spawn_init::{self, InitFds, StartWith};
use super::{signal, LaunchError};
use crate::cgroups::{CgroupError, CgroupPaths};
use crate::init::channel::{Channel, ChannelError};
use crate::init::protocol::{ExecOptions, FromInit, SeccompLoad, ToInit};
use crate::seccomp;
use crate::spec::{Process, Spec};
use crate::sys::{fs as sysfs, pidfd, Errno};

pub struct ExecRequest<'a> {
    pub id: String,
    pub bundle: PathBuf,
    /// The container's init, by pid and start time (clock ticks after boot).
    pub init_pid: i32,
    pub init_start_time: u64,
    /// The container's config.json: its namespaces, seccomp profile, personality, memory policy.
    pub config: &'a [u8],
    /// The process to run, as the spec's Process JSON.
    pub process: &'a [u8],
    /// The cgroups to put the process in (the container's, or a sub-cgroup of them).
    pub cgroups: Option<CgroupPaths>,
    pub stdio: Option<[BorrowedFd<'a>; 3]>,
    pub preserve: Vec<BorrowedFd<'a>>,
    pub console_socket: Option<PathBuf>,
    pub no_new_keyring: bool,
    /// The container is paused (`--ignore-paused`): the process joins its frozen cgroups once
    /// set up, and runs when the container is resumed.
    pub paused: bool,
    pub start_with: StartWith,
}

/// The process, executed.
pub struct Executed {
    pub pid: i32,
    pub pidfd: OwnedFd,
    /// The terminal's master, when process.terminal is set and there is no console socket.
    pub console: Option<OwnedFd>,
    pub warnings: Vec<String>,
}

/// Every namespace of the container, joined through the init's pidfd. A user namespace is
/// named only when the container has one: setns refuses to "join" one's own.
pub fn namespace_flags(spec: &Spec) -> i32 {
    spec.linux().namespaces.iter().map(|n| n.kind.clone_flag()).fold(0, |all, f| all | f)
}

pub fn exec(init: &'static [u8], req: ExecRequest<'_>) -> Result<Executed, LaunchError> {
    let spec: Spec = serde_json::from_slice(req.config)?;
    // Checked here so that a bad process fails before anything starts.
    let _: Process = serde_json::from_slice(req.process)?;
    let seccomp = spec.linux().seccomp.as_ref().map(seccomp::compile_for_host).transpose()?;
    let (init_pidfd, root) = open_init(req.init_pid, req.init_start_time)?;
    let fds = InitFds { stdio: req.stdio, preserve: &req.preserve, extra: vec![init_pidfd.as_fd(), root.as_fd()] };
    let options = ExecOptions {
        id: req.id.clone(),
        namespaces: namespace_flags(&spec),
        pidfd: fds.extra_number(0),
        root_fd: fds.extra_number(1),
        cgroups: req.cgroups.clone(),
        placed_when_ready: req.paused,
        no_new_keyring: req.no_new_keyring,
        seccomp: seccomp.as_ref().map(|p| SeccompLoad { flags: p.flags }),
        preserve_fds: req.preserve.len() as u32,
        personality: spec.linux().personality.clone(),
        memory_policy: spec.linux().memory_policy.clone(),
    };
    let (mut channel, stage0) = spawn_init::spawn(init, &fds, req.start_with)?;
    let sent = channel
        .send(&ToInit::Exec { options: Box::new(options) })
        .and_then(|_| channel.send_bytes(req.process))
        .and_then(|_| seccomp.as_ref().map_or(Ok(()), |p| channel.send_bytes(&p.filter_bytes())));
    let (pid, pidfd) = spawn_init::child_pid(&mut channel, sent, stage0)?;
    let listener = Listener::of(&spec, &req.id, &req.bundle);
    let handlers =
        Handlers { listener: listener.as_ref(), console_socket: req.console_socket.as_deref(), runtime_hooks: None };
    let setup = conversation::until_ready(&mut channel, pid, pidfd.as_fd(), &handlers).and_then(|ready| {
        if req.paused { place_frozen(&mut channel, pid, req.cgroups.as_ref()) } else { until_executed(&mut channel) }
            .map(|()| ready)
    });
    match setup {
        Ok(ready) => Ok(Executed { pid, pidfd, console: ready.console, warnings: ready.warnings }),
        Err(e) => {
            let _ = pidfd::pidfd_send_signal(pidfd.as_fd(), libc::SIGKILL);
            let _ = pidfd::wait_child(pidfd.as_fd());
            Err(e)
        }
    }
}

/// A pidfd for the container's init and a descriptor of its root directory, both proven to
/// belong to the process that started at `start_time`: the pidfd is opened and checked first,
/// and the root is opened while the pidfd shows that process alive (a dead one's pid could have
/// been reused in between).
fn open_init(pid: i32, start_time: u64) -> Result<(OwnedFd, OwnedFd), LaunchError> {
    let gone = || LaunchError::InitGone { pid };
    let fd = signal::open_verified(pid, start_time)?.ok_or_else(gone)?;
    let path = PathBuf::from(format!("/proc/{pid}/root"));
    let root = sysfs::openat(None, &path, libc::O_PATH | libc::O_DIRECTORY, 0).map_err(|errno| {
        if errno == Errno::ENOENT {
            gone()
        } else {
            LaunchError::Path { what: "open", path, errno }
        }
    })?;
    match pidfd::pidfd_send_signal(fd.as_fd(), 0) {
        Ok(()) => Ok((fd, root)),
        Err(Errno::ESRCH) => Err(gone()),
        Err(errno) => Err(LaunchError::Signal { pid, errno }),
    }
}

/// Puts the ready process in the paused container's cgroups, where it freezes, and lets it go on
/// to its exec, which happens when the container is resumed: nobody waits for that.
fn place_frozen(channel: &mut Channel, pid: i32, paths: Option<&CgroupPaths>) -> Result<(), LaunchError> {
    if let Some(paths) = paths {
        crate::cgroups::open(paths).apply(pid)?;
    }
    channel.send(&ToInit::Proceed)?;
    Ok(())
}

/// After Ready, the end of the stream means the execve succeeded (the socket was close-on-exec);
/// a Failed message means it did not.
fn until_executed(channel: &mut Channel) -> Result<(), LaunchError> {
    match channel.recv::<FromInit>() {
        Err(ChannelError::Closed) => Ok(()),
        Ok(FromInit::Failed(f)) => Err(LaunchError::Init(f)),
        Ok(other) => Err(LaunchError::Unexpected(format!("{other:?}"))),
        Err(e) => Err(e.into()),
    }
}

/// The container's cgroup paths with `sub` below each (runc's `exec --cgroup`): `sub` is a
/// relative path, for every controller or for those named before a colon ("cpu,memory:sub").
pub fn sub_cgroups(paths: &CgroupPaths, sub: &str) -> Result<CgroupPaths, LaunchError> {
    let (controllers, rel) = match sub.split_once(':') {
        Some((c, r)) => (Some(c.split(',').collect::<Vec<_>>()), r),
        None => (None, sub),
    };
    let rel = Path::new(rel);
    let bad = rel.is_absolute()
        || rel.as_os_str().is_empty()
        || rel.components().any(|c| !matches!(c, std::path::Component::Normal(_)));
    if bad {
        let reason = format!("{:?} is not a relative path below the container's cgroup", rel);
        return Err(CgroupError::setting("--cgroup", reason).into());
    }
    Ok(paths.below(controllers.as_deref(), rel)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::NamespaceType;

    #[test]
    fn every_configured_namespace_is_joined_and_no_user_namespace_unless_configured() {
        let spec: Spec = serde_json::from_value(serde_json::json!({
            "ociVersion": "1.3.0",
            "linux": { "namespaces": [{ "type": "pid" }, { "type": "mount" }, { "type": "network", "path": "/proc/1/ns/net" }] }
        }))
        .expect("spec");
        assert_eq!(namespace_flags(&spec), libc::CLONE_NEWPID | libc::CLONE_NEWNS | libc::CLONE_NEWNET);
        assert_eq!(namespace_flags(&spec) & NamespaceType::User.clone_flag(), 0);
    }

    fn paths() -> CgroupPaths {
        CgroupPaths {
            v1: [
                ("cpu".to_string(), PathBuf::from("/sys/fs/cgroup/cpu/c")),
                ("memory".to_string(), PathBuf::from("/sys/fs/cgroup/memory/c")),
            ]
            .into_iter()
            .collect(),
            unified_mountpoint: Some("/sys/fs/cgroup/unified".into()),
            unified: Some("/sys/fs/cgroup/unified/c".into()),
            created: vec!["/sys/fs/cgroup/cpu/c".into()],
        }
    }

    #[test]
    fn a_sub_cgroup_for_all_controllers_goes_below_each_and_is_not_removed() {
        let sub = sub_cgroups(&paths(), "worker").expect("sub");
        assert_eq!(sub.v1["cpu"], PathBuf::from("/sys/fs/cgroup/cpu/c/worker"));
        assert_eq!(sub.unified, Some(PathBuf::from("/sys/fs/cgroup/unified/c/worker")));
        assert!(sub.created.is_empty());
    }

    #[test]
    fn a_sub_cgroup_for_named_controllers_leaves_the_others() {
        let sub = sub_cgroups(&paths(), "memory:w").expect("sub");
        assert_eq!(sub.v1["memory"], PathBuf::from("/sys/fs/cgroup/memory/c/w"));
        assert_eq!(sub.v1["cpu"], PathBuf::from("/sys/fs/cgroup/cpu/c"));
    }

    #[test]
    fn a_sub_cgroup_may_not_climb_out_or_name_a_missing_controller() {
        assert!(sub_cgroups(&paths(), "../other").is_err());
        assert!(sub_cgroups(&paths(), "/abs").is_err());
        assert!(sub_cgroups(&paths(), "pids:w").expect_err("no pids").to_string().contains("pids"));
    }
}

//! linux.namespaces: joining the ones given by path, and creating the others with the clone
//! that makes the container's init.

use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use crate::init::protocol::{Step, StepError};
use crate::spec::{Linux, NamespaceType};
use crate::sys::{fs as sysfs, ns, Errno};

pub use crate::sys::ns::Forked;

#[derive(Debug, thiserror::Error)]
pub enum NamespaceError {
    #[error("open the {kind} namespace {path:?}")]
    Open {
        kind: &'static str,
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    #[error("join the {kind} namespace {path:?}")]
    Join {
        kind: &'static str,
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    #[error("create the {names} namespaces")]
    Create {
        names: String,
        #[source]
        errno: Errno,
    },
    #[error("write linux.timeOffsets to /proc/self/timens_offsets")]
    TimeOffsets {
        #[source]
        errno: Errno,
    },
    #[error("become root in the user namespace (container id 0 must be mapped to a host id)")]
    BecomeRoot {
        #[source]
        errno: Errno,
    },
    #[error("a mount namespace is required: the root filesystem is set up inside it")]
    NoMountNamespace,
    #[error("place the container's init in its cgroup v2 directory")]
    Cgroup {
        #[source]
        errno: Errno,
    },
}

impl StepError for NamespaceError {
    fn step(&self) -> Step {
        match self {
            NamespaceError::Open { .. } | NamespaceError::Join { .. } => Step::JoinNamespace,
            NamespaceError::Cgroup { .. } => Step::Cgroup,
            NamespaceError::TimeOffsets { .. } => Step::TimeOffsets,
            _ => Step::CreateNamespaces,
        }
    }

    fn errno(&self) -> Option<Errno> {
        match self {
            NamespaceError::Open { errno, .. }
            | NamespaceError::Join { errno, .. }
            | NamespaceError::Create { errno, .. }
            | NamespaceError::Cgroup { errno }
            | NamespaceError::BecomeRoot { errno }
            | NamespaceError::TimeOffsets { errno } => Some(*errno),
            NamespaceError::NoMountNamespace => None,
        }
    }
}

/// Joins are done in this order: the user namespace first (it owns the others), the mount
/// namespace last (so that the other paths still resolve in the runtime's mount namespace).
fn join_order(kind: NamespaceType) -> u8 {
    match kind {
        NamespaceType::User => 0,
        NamespaceType::Mount => 2,
        _ => 1,
    }
}

/// Joins the namespaces given by path, creates the time namespace (children enter it), and
/// clones the container's init into new namespaces of the remaining types, inside the cgroup v2
/// directory `cgroup` when one is given. The cgroup namespace is left to the child, which
/// creates it once it sits in its own cgroup.
pub fn enter(linux: &Linux, cgroup: Option<std::os::fd::BorrowedFd<'_>>) -> Result<Forked, NamespaceError> {
    if linux.namespace(NamespaceType::Mount).is_none() {
        return Err(NamespaceError::NoMountNamespace);
    }
    let mut joins: Vec<(NamespaceType, PathBuf, OwnedFd)> = Vec::new();
    for n in linux.namespaces.iter() {
        if let Some(p) = &n.path {
            let fd = sysfs::openat(None, Path::new(p), libc::O_RDONLY, 0).map_err(|errno| NamespaceError::Open {
                kind: n.kind.name(),
                path: p.into(),
                errno,
            })?;
            joins.push((n.kind, p.into(), fd));
        }
    }
    joins.sort_by_key(|(k, _, _)| join_order(*k));
    for (kind, path, fd) in &joins {
        // setns checks that the file is a namespace of this type (EINVAL otherwise).
        ns::setns(fd.as_fd(), kind.clone_flag()).map_err(|errno| NamespaceError::Join {
            kind: kind.name(),
            path: path.clone(),
            errno,
        })?;
    }

    let mut flags = 0u64;
    let mut names = Vec::new();
    for n in linux.namespaces.iter().filter(|n| n.path.is_none()) {
        match n.kind {
            NamespaceType::Cgroup => {}
            NamespaceType::Time => {
                ns::unshare(libc::CLONE_NEWTIME)
                    .map_err(|errno| NamespaceError::Create { names: "time".into(), errno })?;
                if !linux.time_offsets.is_empty() {
                    crate::time_offsets::write(&linux.time_offsets)
                        .map_err(|errno| NamespaceError::TimeOffsets { errno })?;
                }
            }
            kind => {
                flags |= kind.clone_flag() as u64;
                names.push(kind.name());
            }
        }
    }
    let err = |errno| NamespaceError::Create { names: names.join(", "), errno };
    match cgroup {
        Some(dir) => match ns::clone_sibling_into_cgroup(flags, dir) {
            // Kernels before 5.7 have no clone3 cgroup placement: join first, then clone.
            Err(Errno::ENOSYS) | Err(Errno::E2BIG) | Err(Errno::EOPNOTSUPP) => {
                join_cgroup_dir(dir).map_err(|errno| NamespaceError::Cgroup { errno })?;
                ns::clone_sibling(flags).map_err(err)
            }
            other => other.map_err(err),
        },
        None => ns::clone_sibling(flags).map_err(err),
    }
}

/// Moves this process into the cgroup v2 directory `dir`.
fn join_cgroup_dir(dir: std::os::fd::BorrowedFd<'_>) -> Result<(), Errno> {
    let procs = sysfs::openat(Some(dir), Path::new("cgroup.procs"), libc::O_WRONLY, 0)?;
    sysfs::write_all(procs.as_fd(), crate::sys::process::getpid().to_string().as_bytes())
}

/// In a user namespace (a new one once its maps are written, or one joined): the init takes
/// container id 0, as runc's does (its ids until now are the host's, which the namespace need
/// not map, and files it creates must be owned by a mapped id). Its capabilities there are the
/// full set the clone or setns gave it.
pub fn become_root(linux: &Linux) -> Result<(), NamespaceError> {
    if linux.namespace(NamespaceType::User).is_none() {
        return Ok(());
    }
    let err = |errno| NamespaceError::BecomeRoot { errno };
    crate::sys::process::setresgid(0).map_err(err)?;
    // EPERM: setgroups is denied in this namespace (a rootless map of one gid); the caller's
    // groups then stay, as the kernel requires, and show as the overflow gid.
    match crate::sys::process::setgroups(&[]) {
        Ok(()) | Err(nix::errno::Errno::EPERM) => {}
        Err(errno) => return Err(err(errno)),
    }
    crate::sys::process::setresuid(0).map_err(err)
}

/// Creates the cgroup namespace, from inside the container's cgroup.
pub fn unshare_cgroup(linux: &Linux) -> Result<(), NamespaceError> {
    if linux.creates(NamespaceType::Cgroup) {
        ns::unshare(libc::CLONE_NEWCGROUP).map_err(|errno| NamespaceError::Create { names: "cgroup".into(), errno })?;
    }
    Ok(())
}

/// True in a user namespace other than the host's, whose uid_map is the identity over every
/// id. A process there, root or not, has no capability over the host's devices and cgroups
/// (rootless podman runs its runtime in one, with no user namespace in the config).
pub fn in_user_namespace() -> bool {
    match std::fs::read_to_string("/proc/self/uid_map") {
        Ok(map) => map.split_whitespace().collect::<Vec<_>>() != ["0", "0", "4294967295"],
        // No /proc/self/uid_map: a kernel without user namespaces, so the host's.
        Err(_) => false,
    }
}

/// True when this process is root over the host: euid 0 in the initial user namespace (whose
/// uid_map is the identity over every id). Root in a user namespace, as under rootless podman,
/// holds no capability over the host's cgroups or devices.
pub fn host_root() -> bool {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return false;
    }
    !in_user_namespace()
}

//! Mount propagation of the container's mount namespace (linux.rootfsPropagation).

use std::path::Path;

use super::RootfsError;
use crate::sys::mount;

fn flag(mode: &str) -> Option<u64> {
    Some(match mode.trim_start_matches('r') {
        "private" => libc::MS_PRIVATE,
        "shared" => libc::MS_SHARED,
        "slave" => libc::MS_SLAVE,
        "unbindable" => libc::MS_UNBINDABLE,
        _ => return None,
    })
}

/// Cuts the new mount namespace off from the host's peer groups before anything is mounted,
/// so that no container mount propagates back to the host. The default is rslave (host mounts
/// still reach the container); private and unbindable cut both ways. A shared rootfs first
/// becomes a slave too, and only gets its new peer group after the root switch.
pub fn isolate_from_host(rootfs_propagation: Option<&str>) -> Result<(), RootfsError> {
    let (name, f) = match rootfs_propagation.and_then(flag) {
        Some(libc::MS_PRIVATE) | Some(libc::MS_UNBINDABLE) => ("rprivate", libc::MS_PRIVATE),
        _ => ("rslave", libc::MS_SLAVE),
    };
    mount::mount(None, Path::new("/"), None, f | libc::MS_REC, None)
        .map_err(|errno| RootfsError::Propagation { mode: name.to_string(), errno })
}

/// Makes the rootfs a mount point of its own (pivot_root needs one), with all its submounts.
pub fn bind_rootfs(rootfs: &Path) -> Result<(), RootfsError> {
    mount::mount(Some(rootfs), rootfs, None, libc::MS_BIND | libc::MS_REC, None)
        .map_err(|errno| RootfsError::BindRootfs { path: rootfs.to_path_buf(), errno })
}

/// Applies linux.rootfsPropagation to the new root, recursively.
pub fn set_root_propagation(mode: &str) -> Result<(), RootfsError> {
    let f = flag(mode).ok_or(RootfsError::Propagation { mode: mode.to_string(), errno: crate::sys::Errno::EINVAL })?;
    mount::mount(None, Path::new("/"), None, f | libc::MS_REC, None)
        .map_err(|errno| RootfsError::Propagation { mode: mode.to_string(), errno })
}

//! Switching the root: pivot_root, or (with --no-pivot) a move of the rootfs onto / and a
//! chroot, for root file systems that cannot be pivoted (ramdisks).

use std::os::fd::AsFd;
use std::path::Path;

use super::RootfsError;
use crate::sys::{fs as sysfs, mount};

pub fn pivot_root(rootfs: &Path) -> Result<(), RootfsError> {
    let err = |errno| RootfsError::PivotRoot { path: rootfs.to_path_buf(), errno };
    let old = sysfs::openat(None, Path::new("/"), libc::O_DIRECTORY | libc::O_RDONLY, 0).map_err(err)?;
    let new = sysfs::openat(None, rootfs, libc::O_DIRECTORY | libc::O_RDONLY, 0).map_err(err)?;
    // pivot_root(".", ".") stacks the old root on top of the new one, so no directory for it
    // is needed inside the rootfs; it is then detached from the old root's own position.
    mount::fchdir(new.as_fd()).map_err(err)?;
    mount::pivot_root(Path::new("."), Path::new(".")).map_err(err)?;
    mount::fchdir(old.as_fd()).map_err(err)?;
    // The old root must not propagate its unmount to the host.
    mount::mount(None, Path::new("."), None, libc::MS_SLAVE | libc::MS_REC, None).map_err(err)?;
    mount::umount2(Path::new("."), libc::MNT_DETACH).map_err(err)?;
    mount::chdir(Path::new("/")).map_err(err)
}

pub fn move_root(rootfs: &Path) -> Result<(), RootfsError> {
    let err = |errno| RootfsError::PivotRoot { path: rootfs.to_path_buf(), errno };
    mount::chdir(rootfs).map_err(err)?;
    mount::mount(Some(rootfs), Path::new("/"), None, libc::MS_MOVE, None).map_err(err)?;
    mount::chroot(Path::new(".")).map_err(err)?;
    mount::chdir(Path::new("/")).map_err(err)
}

pub fn make_root_readonly() -> Result<(), RootfsError> {
    let attr = mount::MountAttr { attr_set: mount::MOUNT_ATTR_RDONLY, ..Default::default() };
    mount::mount_setattr_path(Path::new("/"), false, attr).map_err(|errno| RootfsError::ReadonlyRoot { errno })
}

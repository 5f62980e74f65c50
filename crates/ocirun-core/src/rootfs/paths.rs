//! linux.maskedPaths and linux.readonlyPaths, applied inside the container after the root
//! switch. Both act on descriptors of the resolved path; a path that does not exist is skipped,
//! as runc does.

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use super::mounts::build_filesystem;
use super::options::MountOptions;
use super::resolve::{self, RootDir};
use super::RootfsError;
use crate::sys::{fs as sysfs, mount, Errno};

fn open_existing(root: &RootDir, path: &Path) -> Result<Option<OwnedFd>, Errno> {
    match root.open_in(path, libc::O_PATH) {
        Ok(fd) => Ok(Some(fd)),
        Err(Errno::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Binds the path onto itself, read-only throughout its subtree.
pub fn make_readonly(root: &RootDir, path: &Path) -> Result<(), RootfsError> {
    let err = |errno| RootfsError::ReadonlyPath { path: resolve::display(path), errno };
    let Some(fd) = open_existing(root, path).map_err(err)? else { return Ok(()) };
    let mnt = mount::open_tree_clone(fd.as_fd(), true).map_err(err)?;
    let attr = mount::MountAttr { attr_set: mount::MOUNT_ATTR_RDONLY, ..Default::default() };
    mount::mount_setattr(mnt.as_fd(), true, attr).map_err(err)?;
    mount::move_mount(mnt.as_fd(), fd.as_fd()).map_err(err)
}

/// Hides a path: a directory under an empty read-only tmpfs, a file under /dev/null.
pub fn mask(root: &RootDir, path: &Path) -> Result<(), RootfsError> {
    let err = |errno| RootfsError::MaskPath { path: resolve::display(path), errno };
    let Some(fd) = open_existing(root, path).map_err(err)? else { return Ok(()) };
    let st = sysfs::fstat(fd.as_fd()).map_err(err)?;
    let mnt = if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
        let opts = MountOptions::parse(&["ro".to_string()]);
        build_filesystem("tmpfs", Some("tmpfs"), &opts, "tmpfs", path)?
    } else {
        let null =
            verified_null(root).map_err(|errno| RootfsError::MaskNull { path: resolve::display(path), errno })?;
        mount::open_tree_clone(null.as_fd(), false).map_err(err)?
    };
    mount::move_mount(mnt.as_fd(), fd.as_fd()).map_err(err)
}

/// The container's /dev/null, opened without following a symlink and checked to be the null
/// character device (1:3): masking with anything else would bind that file over the masked
/// path, writable, and a missing one must not leave the path unmasked (CVE-2025-31133). The
/// descriptor checked is the one bound, so a swap after the check changes nothing.
fn verified_null(root: &RootDir) -> Result<OwnedFd, Errno> {
    let fd = root.open_in(Path::new("/dev/null"), libc::O_PATH | libc::O_NOFOLLOW)?;
    let st = sysfs::fstat(fd.as_fd())?;
    let is_null = st.st_mode & libc::S_IFMT == libc::S_IFCHR && st.st_rdev == sysfs::makedev(1, 3);
    if is_null {
        Ok(fd)
    } else {
        Err(Errno::ENODEV)
    }
}

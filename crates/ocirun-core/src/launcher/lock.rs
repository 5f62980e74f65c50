//! The container lock: flock on the container's state directory, so that two calls on one
//! container take turns. Lock files are never deleted while locked by someone else: a caller
//! re-checks that the container still exists once it holds the lock.

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use super::LaunchError;
use crate::sys::{fs as sysfs, Errno};

/// Holds the lock until dropped (closing the descriptor releases it).
pub struct Lock {
    _fd: OwnedFd,
}

/// Takes an exclusive lock on `dir`, waiting for it. None if `dir` does not exist.
pub fn lock(dir: &Path) -> Result<Option<Lock>, LaunchError> {
    let fd = match sysfs::openat(None, dir, libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW, 0) {
        Ok(fd) => fd,
        Err(Errno::ENOENT) => return Ok(None),
        Err(errno) => return Err(LaunchError::Path { what: "open", path: dir.to_path_buf(), errno }),
    };
    sysfs::flock(fd.as_fd(), libc::LOCK_EX).map_err(|errno| LaunchError::Path { what: "lock", path: dir.to_path_buf(), errno })?;
    Ok(Some(Lock { _fd: fd }))
}

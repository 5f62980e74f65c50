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

/// What an attempt to lock found.
pub enum Attempt {
    Locked(Lock),
    /// Someone else holds the lock.
    Busy,
    /// The directory does not exist.
    Missing,
}

fn open_dir(dir: &Path) -> Result<Option<OwnedFd>, LaunchError> {
    match sysfs::openat(None, dir, libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW, 0) {
        Ok(fd) => Ok(Some(fd)),
        Err(Errno::ENOENT) => Ok(None),
        Err(errno) => Err(LaunchError::Path { what: "open", path: dir.to_path_buf(), errno }),
    }
}

/// Takes an exclusive lock on `dir`, waiting for it. None if `dir` does not exist.
pub fn lock(dir: &Path) -> Result<Option<Lock>, LaunchError> {
    let Some(fd) = open_dir(dir)? else { return Ok(None) };
    sysfs::flock(fd.as_fd(), libc::LOCK_EX).map_err(|errno| LaunchError::Path {
        what: "lock",
        path: dir.to_path_buf(),
        errno,
    })?;
    Ok(Some(Lock { _fd: fd }))
}

/// Takes the lock if nobody holds it, without waiting.
pub fn try_lock(dir: &Path) -> Result<Attempt, LaunchError> {
    let Some(fd) = open_dir(dir)? else { return Ok(Attempt::Missing) };
    match sysfs::flock(fd.as_fd(), libc::LOCK_EX | libc::LOCK_NB) {
        Ok(()) => Ok(Attempt::Locked(Lock { _fd: fd })),
        Err(Errno::EWOULDBLOCK) => Ok(Attempt::Busy),
        Err(errno) => Err(LaunchError::Path { what: "lock", path: dir.to_path_buf(), errno }),
    }
}

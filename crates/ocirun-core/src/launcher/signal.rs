//! Signalling and waiting for a container's init, race-free against pid reuse: a process
//! descriptor is opened first, then the start time is checked, then the pidfd is used.

use std::os::fd::{AsFd, OwnedFd};

use super::{procfs, LaunchError};
use crate::sys::pidfd;
use crate::sys::Errno;

/// A pidfd for `pid`, if it is still the process that started at `start_time`.
pub fn open_verified(pid: i32, start_time: u64) -> Result<Option<OwnedFd>, LaunchError> {
    let fd = match pidfd::pidfd_open(pid) {
        Ok(fd) => fd,
        Err(Errno::ESRCH) => return Ok(None),
        Err(errno) => return Err(LaunchError::Pidfd { pid, errno }),
    };
    match procfs::stat(pid) {
        Some(s) if s.start_time == start_time => Ok(Some(fd)),
        _ => Ok(None),
    }
}

/// Sends `sig`; false when the process no longer exists.
pub fn kill(pid: i32, start_time: u64, sig: i32) -> Result<bool, LaunchError> {
    let Some(fd) = open_verified(pid, start_time)? else { return Ok(false) };
    match pidfd::pidfd_send_signal(fd.as_fd(), sig) {
        Ok(()) => Ok(true),
        Err(Errno::ESRCH) => Ok(false),
        Err(errno) => Err(LaunchError::Signal { pid, errno }),
    }
}

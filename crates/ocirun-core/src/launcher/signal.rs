//! Signalling and waiting for a container's init, race-free against pid reuse: a process
//! descriptor is opened first, then the start time is checked, then the pidfd is used.

use std::os::fd::{AsFd, OwnedFd};

use super::{procfs, LaunchError};
use crate::sys::pidfd::{self, ExitStatus};
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

/// Waits up to `timeout_ms` (< 0: forever) for the process to exit; true once it has.
/// Works for any process: a pidfd turns readable when its process exits, zombie or reaped.
pub fn wait_exited(pid: i32, start_time: u64, timeout_ms: i32) -> Result<bool, LaunchError> {
    let Some(fd) = open_verified(pid, start_time)? else { return Ok(true) };
    let ready = pidfd::poll_readable(&[fd.as_fd()], timeout_ms).map_err(|errno| LaunchError::Wait { pid, errno })?;
    Ok(!ready.is_empty())
}

/// Waits for a child of this process to exit and reaps it: its exit status.
pub fn wait_child(pid: i32) -> Result<ExitStatus, LaunchError> {
    let fd = pidfd::pidfd_open(pid).map_err(|errno| LaunchError::Pidfd { pid, errno })?;
    pidfd::wait_child(fd.as_fd()).map_err(|errno| LaunchError::Wait { pid, errno })
}

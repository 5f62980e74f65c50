//! exec.fifo: the create/start handshake. The init blocks opening it for writing; `start`
//! opens it for reading, which releases the init, and reads the byte the init writes.

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use super::{procfs, signal, LaunchError};
use crate::init::protocol::Failure;
use crate::sys::{fs as sysfs, pidfd, Errno};

pub const FIFO_NAME: &str = "exec.fifo";

/// Makes exec.fifo in the state directory, writable by the container's user whoever it is.
pub fn make(state_dir: &Path) -> Result<(), LaunchError> {
    let path = state_dir.join(FIFO_NAME);
    let err = |errno| LaunchError::Path { what: "make", path: path.clone(), errno };
    sysfs::mkfifo(&path, 0o622).map_err(err)?;
    // mkfifo honours the umask; the init may run as any user and must be able to open it.
    let fd = sysfs::openat(None, &path, libc::O_PATH, 0).map_err(err)?;
    sysfs::fchmod_fd(fd.as_fd(), 0o622).map_err(err)
}

/// Releases a created container: opens exec.fifo, waits for the init's byte (or its death),
/// then reads to the end, which comes when the init executes the program (the exec closes its
/// end) or fails; what comes before the end is the init's failure (a startContainer hook's).
/// The fifo is removed, after which the container counts as running.
pub fn release(state_dir: &Path, pid: i32, start_time: u64) -> Result<(), LaunchError> {
    let path = state_dir.join(FIFO_NAME);
    // The process descriptor first: once the fifo is open, the init may exec a program that
    // exits and is reaped before a pidfd_open after it could find the pid.
    let Some(init) = signal::open_verified(pid, start_time)? else { return Err(LaunchError::InitGone { pid }) };
    let fifo = sysfs::openat(None, &path, libc::O_RDONLY | libc::O_NONBLOCK, 0).map_err(|errno| LaunchError::Path {
        what: "open",
        path: path.clone(),
        errno,
    })?;
    loop {
        let ready = pidfd::poll_readable(&[fifo.as_fd(), init.as_fd()], -1)
            .map_err(|errno| LaunchError::Wait { pid, errno })?;
        let mut byte = [0u8; 1];
        if ready.contains(&0) {
            match sysfs::read(fifo.as_fd(), &mut byte) {
                Ok(1) => break,
                // No writer yet (the init has not reached its open) or it went away.
                Ok(_) | Err(Errno::EAGAIN) => {}
                Err(errno) => return Err(LaunchError::Path { what: "read", path, errno }),
            }
        }
        if ready.contains(&1) || procfs::stat(pid).is_none_or(|s| s.state == 'Z') {
            return Err(LaunchError::InitGone { pid });
        }
    }
    let report = read_to_end(&fifo).map_err(|errno| LaunchError::Path { what: "read", path: path.clone(), errno });
    sysfs::unlinkat(None, &path, 0).map_err(|errno| LaunchError::Path { what: "remove", path, errno })?;
    match report? {
        bytes if bytes.is_empty() => Ok(()),
        bytes => Err(serde_json::from_slice::<Failure>(&bytes).map_or_else(
            |_| LaunchError::Unexpected(format!("{:?} on exec.fifo", String::from_utf8_lossy(&bytes))),
            LaunchError::Init,
        )),
    }
}

/// Everything the init writes after its byte, until it closes the fifo.
fn read_to_end(fifo: &OwnedFd) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match sysfs::read(fifo.as_fd(), &mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(Errno::EAGAIN) => {
                pidfd::poll_readable(&[fifo.as_fd()], -1)?;
            }
            Err(errno) => return Err(errno),
        }
        // The init's report is a few hundred bytes; anything far larger is not from it.
        if out.len() > 1 << 20 {
            return Err(Errno::EMSGSIZE);
        }
    }
}

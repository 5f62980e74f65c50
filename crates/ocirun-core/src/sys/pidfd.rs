//! Process descriptors: signalling and waiting without pid-reuse races.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use super::{check, check_int, owned_fd, Errno, SysResult};

const P_PIDFD: libc::idtype_t = 3;

pub fn pidfd_open(pid: i32) -> SysResult<OwnedFd> {
    // SAFETY: only integers are passed.
    owned_fd(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })
}

pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: i32) -> SysResult<()> {
    // SAFETY: a null siginfo makes the kernel fill it as kill(2) would.
    check(unsafe { libc::syscall(libc::SYS_pidfd_send_signal, pidfd.as_raw_fd(), sig, std::ptr::null::<u8>(), 0) })
        .map(drop)
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Exited(i32),
    Signaled(i32),
}

impl ExitStatus {
    /// The shell convention runc follows: the exit code, or 128 + the signal number.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => c,
            ExitStatus::Signaled(s) => 128 + s,
        }
    }
}

/// Waits for a child to exit and reaps it (waitid with P_PIDFD).
pub fn wait_child(pidfd: BorrowedFd<'_>) -> SysResult<ExitStatus> {
    wait_child_with(pidfd, libc::WEXITED)
}

/// How an exited child ended, leaving it a zombie for its reaper (WNOWAIT).
pub fn peek_child(pidfd: BorrowedFd<'_>) -> SysResult<ExitStatus> {
    wait_child_with(pidfd, libc::WEXITED | libc::WNOWAIT)
}

fn wait_child_with(pidfd: BorrowedFd<'_>, options: libc::c_int) -> SysResult<ExitStatus> {
    loop {
        // SAFETY: info is zeroed plain data that waitid fills.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: info lives for the call.
        let ret = unsafe { libc::waitid(P_PIDFD, pidfd.as_raw_fd() as libc::id_t, &mut info, options) };
        match check_int(ret) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
            Ok(_) => {
                // SAFETY: after a successful WEXITED wait, si_status and si_code are set.
                let (code, status) = unsafe { (info.si_code, info.si_status()) };
                return Ok(if code == libc::CLD_EXITED {
                    ExitStatus::Exited(status)
                } else {
                    ExitStatus::Signaled(status)
                });
            }
        }
    }
}

/// Reaps a child by pid, blocking.
pub fn waitpid(pid: i32) -> SysResult<ExitStatus> {
    loop {
        let mut status = 0;
        // SAFETY: status lives for the call.
        match check_int(unsafe { libc::waitpid(pid, &mut status, libc::__WALL) }) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
            Ok(_) => {
                return Ok(if libc::WIFEXITED(status) {
                    ExitStatus::Exited(libc::WEXITSTATUS(status))
                } else {
                    ExitStatus::Signaled(libc::WTERMSIG(status))
                })
            }
        }
    }
}

/// Waits until one of `fds` is readable (a pidfd is readable once its process has exited).
/// Returns the indices that are ready. `timeout_ms` < 0 waits forever.
pub fn poll_readable(fds: &[BorrowedFd<'_>], timeout_ms: i32) -> SysResult<Vec<usize>> {
    let mut pfds: Vec<libc::pollfd> =
        fds.iter().map(|fd| libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 }).collect();
    loop {
        // SAFETY: pfds has pfds.len() entries.
        match check_int(unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout_ms) }) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
            Ok(_) => return Ok(pfds.iter().enumerate().filter(|(_, p)| p.revents != 0).map(|(i, _)| i).collect()),
        }
    }
}

pub fn kill(pid: i32, sig: i32) -> SysResult<()> {
    // SAFETY: kill only reads integers.
    check_int(unsafe { libc::kill(pid, sig) }).map(drop)
}

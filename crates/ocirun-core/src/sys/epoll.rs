//! epoll(7): one descriptor that waits on many. The addon's watcher thread uses it to wait for
//! container exits and OOM kills without holding a thread per wait.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use super::{check_int, owned_fd, Errno, SysResult};

pub struct Epoll(OwnedFd);

impl Epoll {
    pub fn new() -> SysResult<Epoll> {
        // SAFETY: only an integer flag is passed.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        owned_fd(fd as libc::c_long).map(Epoll)
    }

    /// Watches `fd` for readability once: after it reports, it stays silent until `rearm`.
    /// `token` comes back from `wait` when it is ready.
    pub fn add_oneshot(&self, fd: BorrowedFd<'_>, token: u64) -> SysResult<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token)
    }

    pub fn rearm(&self, fd: BorrowedFd<'_>, token: u64) -> SysResult<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, token)
    }

    pub fn remove(&self, fd: BorrowedFd<'_>) -> SysResult<()> {
        // SAFETY: a null event is allowed for EPOLL_CTL_DEL since Linux 2.6.9.
        check_int(unsafe {
            libc::epoll_ctl(self.0.as_raw_fd(), libc::EPOLL_CTL_DEL, fd.as_raw_fd(), std::ptr::null_mut())
        })
        .map(drop)
    }

    fn ctl(&self, op: libc::c_int, fd: BorrowedFd<'_>, token: u64) -> SysResult<()> {
        let mut event = libc::epoll_event { events: (libc::EPOLLIN | libc::EPOLLONESHOT) as u32, u64: token };
        // SAFETY: event lives for the call; the kernel copies it.
        check_int(unsafe { libc::epoll_ctl(self.0.as_raw_fd(), op, fd.as_raw_fd(), &mut event) }).map(drop)
    }

    /// Waits up to `timeout_ms` (< 0: forever) and returns the tokens of the ready descriptors.
    /// An interrupted wait returns no tokens.
    pub fn wait(&self, timeout_ms: i32) -> SysResult<Vec<u64>> {
        const MAX: usize = 64;
        // SAFETY: epoll_event is plain data; zeroes are a valid value.
        let mut events: [libc::epoll_event; MAX] = unsafe { std::mem::zeroed() };
        // SAFETY: events has room for MAX entries.
        let n = unsafe { libc::epoll_wait(self.0.as_raw_fd(), events.as_mut_ptr(), MAX as libc::c_int, timeout_ms) };
        match check_int(n) {
            Err(Errno::EINTR) => Ok(Vec::new()),
            Err(e) => Err(e),
            Ok(n) => Ok(events.iter().take(n as usize).map(|e| e.u64).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsFd;

    #[test]
    fn a_oneshot_watch_reports_once_until_rearmed() {
        let ep = Epoll::new().expect("epoll");
        let (efd, mut writer) = std::io::pipe().expect("pipe");
        ep.add_oneshot(efd.as_fd(), 7).expect("add");
        assert!(ep.wait(0).expect("wait").is_empty(), "nothing is ready yet");
        writer.write_all(b"x").expect("write");
        assert_eq!(ep.wait(1000).expect("wait"), vec![7]);
        assert!(ep.wait(0).expect("wait").is_empty(), "oneshot: silent until rearmed");
        ep.rearm(efd.as_fd(), 8).expect("rearm");
        assert_eq!(ep.wait(0).expect("wait"), vec![8], "still readable, so it reports again");
        ep.remove(efd.as_fd()).expect("remove");
    }
}

//! The terminal of a foreground `run` or `exec` without `--console-socket`: ocirun itself sits
//! between its own stdio and the pseudoterminal's master, as runc does. Its stdin goes to the
//! master in raw mode (so ^C reaches the container as a byte, and the container's terminal
//! does the echo), the master goes to its stdout, and the caller's terminal settings come back
//! when the relay ends: when the container side has closed every slave (EIO on the master), or
//! when `stop` becomes readable.

use std::os::fd::{AsRawFd, BorrowedFd};

use crate::sys::{fs as sysfs, tty, Errno};

const CHUNK: usize = 16 * 1024;

/// Puts `fd` back into the settings it had when dropped.
struct RawGuard<'a> {
    fd: BorrowedFd<'a>,
    saved: tty::Termios,
}

impl Drop for RawGuard<'_> {
    fn drop(&mut self) {
        let _ = tty::set_termios(self.fd, &self.saved);
    }
}

/// Copies the window size of `from` (ocirun's terminal) to the master.
pub fn copy_winsize(from: BorrowedFd<'_>, master: BorrowedFd<'_>) -> Result<(), Errno> {
    let size = tty::get_winsize(from)?;
    tty::set_winsize(master, size)
}

/// Relays between `input`/`output` and `master` until the container side is gone or `stop`
/// is readable; `input` is switched to raw mode meanwhile when it is a terminal.
pub fn relay(
    master: BorrowedFd<'_>,
    input: BorrowedFd<'_>,
    output: BorrowedFd<'_>,
    stop: BorrowedFd<'_>,
) -> Result<(), Errno> {
    let _raw = if tty::is_tty(input) {
        let _ = copy_winsize(input, master);
        Some(RawGuard { fd: input, saved: tty::make_raw(input)? })
    } else {
        None
    };
    let mut input_open = true;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let mut pfds = vec![poll_entry(master), poll_entry(stop)];
        if input_open {
            pfds.push(poll_entry(input));
        }
        wait(&mut pfds)?;
        if pfds[0].revents != 0 && !forward(master, output, &mut buf)? {
            return Ok(());
        }
        if pfds[1].revents != 0 {
            // Whatever the container wrote before it went is still shown.
            while poll_now(master) && forward(master, output, &mut buf)? {}
            return Ok(());
        }
        if input_open && pfds[2].revents != 0 && !forward(input, master, &mut buf)? {
            input_open = false;
        }
    }
}

fn poll_entry(fd: BorrowedFd<'_>) -> libc::pollfd {
    libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 }
}

fn wait(pfds: &mut [libc::pollfd]) -> Result<(), Errno> {
    crate::sys::fs::poll(pfds, -1).map(drop)
}

fn poll_now(fd: BorrowedFd<'_>) -> bool {
    let mut p = [poll_entry(fd)];
    matches!(crate::sys::fs::poll(&mut p, 0), Ok(n) if n > 0 && p[0].revents & libc::POLLIN != 0)
}

/// Copies one read's worth; false at the end of `from` (EOF, or EIO on a master whose slaves
/// are all closed).
fn forward(from: BorrowedFd<'_>, to: BorrowedFd<'_>, buf: &mut [u8]) -> Result<bool, Errno> {
    match sysfs::read(from, buf) {
        Ok(0) | Err(Errno::EIO) => Ok(false),
        Ok(n) => {
            write_blocking(to, &buf[..n])?;
            Ok(true)
        }
        Err(Errno::EAGAIN) | Err(Errno::EINTR) => Ok(true),
        Err(e) => Err(e),
    }
}

/// write_all that waits when `to` is non-blocking (Node makes its stdout so at times).
fn write_blocking(to: BorrowedFd<'_>, mut data: &[u8]) -> Result<(), Errno> {
    while !data.is_empty() {
        match crate::sys::fs::write(to, data) {
            Ok(n) => data = &data[n..],
            Err(Errno::EAGAIN) => {
                let mut p = [libc::pollfd { fd: to.as_raw_fd(), events: libc::POLLOUT, revents: 0 }];
                crate::sys::fs::poll(&mut p, -1)?;
            }
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{AsFd, OwnedFd};
    use std::path::Path;

    fn pty() -> (OwnedFd, OwnedFd) {
        let master = sysfs::openat(None, Path::new("/dev/ptmx"), libc::O_RDWR | libc::O_NOCTTY, 0).expect("ptmx");
        tty::unlock(master.as_fd()).expect("unlock");
        let slave = tty::open_peer(master.as_fd()).expect("peer");
        (master, slave)
    }

    #[test]
    fn what_the_container_writes_reaches_the_output_and_the_relay_ends_when_it_closes() {
        let (master, slave) = pty();
        let (in_r, in_w) = sysfs::pipe().expect("pipe");
        let (out_r, out_w) = sysfs::pipe().expect("pipe");
        let (stop_r, _stop_w) = sysfs::pipe().expect("pipe");
        sysfs::write_all(slave.as_fd(), b"hello\n").expect("write");
        drop(slave);
        drop(in_w);
        relay(master.as_fd(), in_r.as_fd(), out_w.as_fd(), stop_r.as_fd()).expect("relay");
        drop(out_w);
        let mut got = vec![0u8; 64];
        let n = sysfs::read(out_r.as_fd(), &mut got).expect("read");
        // The slave's line discipline turns \n into \r\n, as a terminal shows it.
        assert_eq!(&got[..n], b"hello\r\n");
    }

    #[test]
    fn the_input_reaches_the_container_side() {
        let (master, slave) = pty();
        let (in_r, in_w) = sysfs::pipe().expect("pipe");
        let (_out_r, out_w) = sysfs::pipe().expect("pipe");
        let (stop_r, stop_w) = sysfs::pipe().expect("pipe");
        sysfs::write_all(in_w.as_fd(), b"typed\n").expect("write");
        let reader = std::thread::spawn(move || {
            let mut got = vec![0u8; 64];
            let n = sysfs::read(slave.as_fd(), &mut got).expect("read");
            sysfs::write_all(stop_w.as_fd(), b"x").expect("stop");
            got.truncate(n);
            got
        });
        relay(master.as_fd(), in_r.as_fd(), out_w.as_fd(), stop_r.as_fd()).expect("relay");
        assert_eq!(reader.join().expect("join"), b"typed\n");
    }
}

//! Terminals: pseudoterminal pairs, the controlling terminal, window sizes and raw mode.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use super::{check_int, owned_fd, SysResult};

/// The devpts filesystem's magic number (statfs f_type).
pub const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;

/// Unlocks the slave of a freshly opened master (unlockpt).
pub fn unlock(master: BorrowedFd<'_>) -> SysResult<()> {
    let unlock: libc::c_int = 0;
    // SAFETY: TIOCSPTLCK reads one int from the pointer, which lives for the call.
    check_int(unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &unlock) }).map(drop)
}

/// Opens the slave of `master` through the master itself (TIOCGPTPEER, Linux 4.13), so that no
/// path under /dev/pts is looked up: the container could have replaced it.
pub fn open_peer(master: BorrowedFd<'_>) -> SysResult<OwnedFd> {
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: TIOCGPTPEER takes the open flags as its integer argument and returns a new
    // descriptor that we own.
    let ret = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, flags) };
    owned_fd(ret as libc::c_long)
}

/// Makes the calling process the leader of a new session (setsid).
pub fn setsid() -> SysResult<()> {
    // SAFETY: setsid has no arguments.
    check_int(unsafe { libc::setsid() }).map(drop)
}

/// Makes `tty` the controlling terminal of this session (its leader calls this).
pub fn set_controlling(tty: BorrowedFd<'_>) -> SysResult<()> {
    // SAFETY: TIOCSCTTY takes an integer argument (0: do not steal it from another session).
    check_int(unsafe { libc::ioctl(tty.as_raw_fd(), libc::TIOCSCTTY, 0) }).map(drop)
}

/// Window size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WinSize {
    pub rows: u16,
    pub cols: u16,
}

pub fn get_winsize(tty: BorrowedFd<'_>) -> SysResult<WinSize> {
    // SAFETY: winsize is plain data that TIOCGWINSZ fills.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: ws lives for the call.
    check_int(unsafe { libc::ioctl(tty.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) })?;
    Ok(WinSize { rows: ws.ws_row, cols: ws.ws_col })
}

pub fn set_winsize(tty: BorrowedFd<'_>, size: WinSize) -> SysResult<()> {
    let ws = libc::winsize { ws_row: size.rows, ws_col: size.cols, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ reads a winsize that lives for the call.
    check_int(unsafe { libc::ioctl(tty.as_raw_fd(), libc::TIOCSWINSZ, &ws) }).map(drop)
}

pub fn is_tty(fd: BorrowedFd<'_>) -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(fd.as_raw_fd()) == 1 }
}

/// A terminal's settings, to put back later.
#[derive(Clone, Copy)]
pub struct Termios(libc::termios);

pub fn get_termios(tty: BorrowedFd<'_>) -> SysResult<Termios> {
    // SAFETY: termios is plain data that tcgetattr fills.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: t lives for the call.
    check_int(unsafe { libc::tcgetattr(tty.as_raw_fd(), &mut t) })?;
    Ok(Termios(t))
}

pub fn set_termios(tty: BorrowedFd<'_>, t: &Termios) -> SysResult<()> {
    // SAFETY: t points to settings tcgetattr returned (possibly changed by cfmakeraw).
    check_int(unsafe { libc::tcsetattr(tty.as_raw_fd(), libc::TCSANOW, &t.0) }).map(drop)
}

/// Switches `tty` to raw mode and returns the settings it had.
pub fn make_raw(tty: BorrowedFd<'_>) -> SysResult<Termios> {
    let saved = get_termios(tty)?;
    let mut raw = saved;
    // SAFETY: cfmakeraw only changes the flags of the structure it is given.
    unsafe { libc::cfmakeraw(&mut raw.0) };
    set_termios(tty, &raw)?;
    Ok(saved)
}

/// Duplicates `fd` onto `target` (dup3 with no flags: the copy stays open across exec).
pub fn dup_onto(fd: BorrowedFd<'_>, target: i32) -> SysResult<()> {
    if fd.as_raw_fd() == target {
        return Ok(());
    }
    // SAFETY: dup3 only manipulates the descriptor table; `target` is replaced atomically.
    check_int(unsafe { libc::dup3(fd.as_raw_fd(), target, 0) }).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::fs as sysfs;
    use std::os::fd::AsFd;
    use std::path::Path;

    fn ptmx() -> OwnedFd {
        sysfs::openat(None, Path::new("/dev/ptmx"), libc::O_RDWR | libc::O_NOCTTY, 0).expect("open /dev/ptmx")
    }

    #[test]
    fn the_peer_of_an_unlocked_master_is_a_terminal() {
        let master = ptmx();
        unlock(master.as_fd()).expect("unlock");
        let slave = open_peer(master.as_fd()).expect("peer");
        assert!(is_tty(slave.as_fd()));
    }

    #[test]
    fn a_window_size_set_on_the_master_is_seen_on_the_slave() {
        let master = ptmx();
        unlock(master.as_fd()).expect("unlock");
        let slave = open_peer(master.as_fd()).expect("peer");
        set_winsize(master.as_fd(), WinSize { rows: 33, cols: 101 }).expect("set");
        assert_eq!(get_winsize(slave.as_fd()).expect("get"), WinSize { rows: 33, cols: 101 });
    }

    #[test]
    fn raw_mode_turns_off_echo_and_comes_back() {
        let master = ptmx();
        unlock(master.as_fd()).expect("unlock");
        let slave = open_peer(master.as_fd()).expect("peer");
        let saved = make_raw(slave.as_fd()).expect("raw");
        assert_eq!(get_termios(slave.as_fd()).expect("get").0.c_lflag & libc::ECHO, 0);
        set_termios(slave.as_fd(), &saved).expect("restore");
        assert_ne!(get_termios(slave.as_fd()).expect("get").0.c_lflag & libc::ECHO, 0);
    }
}

//! process.terminal: a pseudoterminal made in the container's own devpts, whose slave becomes
//! the process's stdio and controlling terminal (and, for the container's init, /dev/console),
//! and whose master goes to the runtime, which passes it on over `--console-socket` or relays it.
//!
//! The pair is made from inside the container (after the root switch, or after an exec joined
//! the container's mount namespace), so that the slave lives in the container's devpts, as it
//! does with runc. Nothing below /dev is trusted: the master is checked to come from a devpts,
//! the slave is opened through the master (TIOCGPTPEER) rather than by a /dev/pts/N path, and
//! /dev/console is opened without following symlinks and must be a plain file or a character
//! device before the slave is bound onto that very descriptor (CVE-2025-52565, where a
//! /dev/console symlink redirected runc's bind mount onto a procfs file).

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use crate::init::protocol::{Step, StepError};
use crate::spec::ConsoleSize;
use crate::sys::fs::{self as sysfs, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS};
use crate::sys::{mount, tty, Errno};

#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("process.terminal: open /dev/pts/ptmx (a devpts mount at /dev/pts is needed)")]
    OpenPtmx {
        #[source]
        errno: Errno,
    },
    #[error("process.terminal: /dev/pts/ptmx is not on a devpts filesystem")]
    NotDevpts,
    #[error("process.terminal: {what}")]
    Pty {
        what: &'static str,
        #[source]
        errno: Errno,
    },
    #[error("process.terminal: /dev/console {what}")]
    Console {
        what: &'static str,
        #[source]
        errno: Errno,
    },
}

impl StepError for TerminalError {
    fn step(&self) -> Step {
        match self {
            TerminalError::Console { .. } => Step::Console,
            _ => Step::Terminal,
        }
    }

    fn errno(&self) -> Option<Errno> {
        match self {
            TerminalError::OpenPtmx { errno }
            | TerminalError::Pty { errno, .. }
            | TerminalError::Console { errno, .. } => Some(*errno),
            TerminalError::NotDevpts => None,
        }
    }
}

/// A pseudoterminal pair.
pub struct Pty {
    pub master: OwnedFd,
    pub slave: OwnedFd,
}

fn pty_err(what: &'static str) -> impl Fn(Errno) -> TerminalError {
    move |errno| TerminalError::Pty { what, errno }
}

fn is_devpts(fd: std::os::fd::BorrowedFd<'_>) -> Result<bool, Errno> {
    Ok(sysfs::fstatfs(fd)?.f_type as i64 == tty::DEVPTS_SUPER_MAGIC)
}

/// Opens a new pair from the devpts at /dev/pts of this process's root.
pub fn open_pty(size: Option<ConsoleSize>) -> Result<Pty, TerminalError> {
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    let master =
        sysfs::openat2(None, Path::new("/dev/pts/ptmx"), flags, 0, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
            .map_err(|errno| TerminalError::OpenPtmx { errno })?;
    if !is_devpts(master.as_fd()).map_err(pty_err("statfs the master"))? {
        return Err(TerminalError::NotDevpts);
    }
    tty::unlock(master.as_fd()).map_err(pty_err("unlock the slave"))?;
    let slave = tty::open_peer(master.as_fd()).map_err(pty_err("open the slave"))?;
    if let Some(s) = size {
        let size = tty::WinSize { rows: clamp(s.height), cols: clamp(s.width) };
        tty::set_winsize(master.as_fd(), size).map_err(pty_err("set process.consoleSize"))?;
    }
    Ok(Pty { master, slave })
}

fn clamp(n: u32) -> u16 {
    n.min(u16::MAX as u32) as u16
}

/// Binds the slave onto /dev/console, creating an empty file there when there is none.
pub fn bind_console(slave: &OwnedFd) -> Result<(), TerminalError> {
    let err = |what| move |errno| TerminalError::Console { what, errno };
    let resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    let dev = sysfs::openat2(None, Path::new("/dev"), libc::O_PATH | libc::O_DIRECTORY, 0, resolve)
        .map_err(err("open /dev"))?;
    let name = Path::new("console");
    let target = match sysfs::openat(Some(dev.as_fd()), name, libc::O_PATH | libc::O_NOFOLLOW, 0) {
        Ok(fd) => fd,
        Err(Errno::ENOENT) => {
            let created = sysfs::openat(
                Some(dev.as_fd()),
                name,
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW,
                0o600,
            )
            .map_err(err("create"))?;
            drop(created);
            sysfs::openat(Some(dev.as_fd()), name, libc::O_PATH | libc::O_NOFOLLOW, 0).map_err(err("open"))?
        }
        Err(e) => return Err(err("open")(e)),
    };
    let kind = sysfs::fstat(target.as_fd()).map_err(err("stat"))?.st_mode & libc::S_IFMT;
    if kind != libc::S_IFREG && kind != libc::S_IFCHR {
        // A symlink (opened as itself through O_NOFOLLOW), a directory or a socket: binding onto
        // it is what the attack wants.
        return Err(err("is neither a file nor a character device")(Errno::ELOOP));
    }
    let mnt = mount::open_tree_clone(slave.as_fd(), false).map_err(err("clone the slave's mount"))?;
    mount::move_mount(mnt.as_fd(), target.as_fd()).map_err(err("bind the slave"))
}

/// Makes the slave this process's stdin, stdout and stderr and its controlling terminal, in a
/// session of its own.
pub fn become_session_leader(slave: OwnedFd) -> Result<(), TerminalError> {
    tty::setsid().map_err(pty_err("setsid"))?;
    for target in 0..3 {
        tty::dup_onto(slave.as_fd(), target).map_err(pty_err("make the slave stdio"))?;
    }
    tty::set_controlling(slave.as_fd()).map_err(pty_err("make the slave the controlling terminal"))
}

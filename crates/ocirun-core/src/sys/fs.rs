//! File-system syscalls relative to directory descriptors (the `*at` family and openat2).

use std::ffi::{CStr, OsString};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use super::{check, check_int, cpath, owned_fd, Errno, SysResult};

pub const RESOLVE_IN_ROOT: u64 = libc::RESOLVE_IN_ROOT;
pub const RESOLVE_NO_MAGICLINKS: u64 = libc::RESOLVE_NO_MAGICLINKS;
pub const RESOLVE_NO_SYMLINKS: u64 = libc::RESOLVE_NO_SYMLINKS;
pub const RESOLVE_NO_XDEV: u64 = libc::RESOLVE_NO_XDEV;

fn dirfd_raw(dir: Option<BorrowedFd<'_>>) -> RawFd {
    dir.map_or(libc::AT_FDCWD, |d| d.as_raw_fd())
}

/// openat2(2): `resolve` holds RESOLVE_* flags. O_CLOEXEC is always added.
pub fn openat2(dir: Option<BorrowedFd<'_>>, path: &Path, flags: i32, mode: u32, resolve: u64) -> SysResult<OwnedFd> {
    let c = cpath(path)?;
    // SAFETY: open_how is plain data; zeroing it is its documented initial state.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC) as u64;
    how.mode = if flags & (libc::O_CREAT | libc::O_TMPFILE) != 0 { mode as u64 } else { 0 };
    how.resolve = resolve;
    loop {
        // SAFETY: c and how outlive the call; the kernel reads exactly size_of::<open_how>() bytes.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dirfd_raw(dir),
                c.as_ptr(),
                &how as *const libc::open_how,
                std::mem::size_of::<libc::open_how>(),
            )
        };
        match owned_fd(ret) {
            Err(Errno::EAGAIN) | Err(Errno::EINTR) => continue,
            other => return other,
        }
    }
}

/// openat(2) with O_CLOEXEC always added.
pub fn openat(dir: Option<BorrowedFd<'_>>, path: &Path, flags: i32, mode: u32) -> SysResult<OwnedFd> {
    let c = cpath(path)?;
    // SAFETY: c is a valid NUL-terminated string for the duration of the call.
    let ret = unsafe { libc::openat(dirfd_raw(dir), c.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    owned_fd(ret as libc::c_long)
}

pub fn mkdirat(dir: Option<BorrowedFd<'_>>, name: &Path, mode: u32) -> SysResult<()> {
    let c = cpath(name)?;
    // SAFETY: c is valid for the call.
    check_int(unsafe { libc::mkdirat(dirfd_raw(dir), c.as_ptr(), mode) }).map(drop)
}

pub fn mknodat(dir: Option<BorrowedFd<'_>>, name: &Path, mode: u32, dev: u64) -> SysResult<()> {
    let c = cpath(name)?;
    // SAFETY: c is valid for the call.
    check_int(unsafe { libc::mknodat(dirfd_raw(dir), c.as_ptr(), mode, dev) }).map(drop)
}

pub fn symlinkat(target: &Path, dir: Option<BorrowedFd<'_>>, name: &Path) -> SysResult<()> {
    let t = cpath(target)?;
    let c = cpath(name)?;
    // SAFETY: both strings are valid for the call.
    check_int(unsafe { libc::symlinkat(t.as_ptr(), dirfd_raw(dir), c.as_ptr()) }).map(drop)
}

pub fn unlinkat(dir: Option<BorrowedFd<'_>>, name: &Path, flags: i32) -> SysResult<()> {
    let c = cpath(name)?;
    // SAFETY: c is valid for the call.
    check_int(unsafe { libc::unlinkat(dirfd_raw(dir), c.as_ptr(), flags) }).map(drop)
}

/// Changes the owner of the file `fd` refers to (an O_PATH descriptor works).
pub fn fchown_fd(fd: BorrowedFd<'_>, uid: u32, gid: u32) -> SysResult<()> {
    // SAFETY: an empty string with AT_EMPTY_PATH operates on fd itself.
    check_int(unsafe {
        libc::fchownat(fd.as_raw_fd(), c"".as_ptr(), uid, gid, libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW)
    })
    .map(drop)
}

/// Changes the mode of the file `fd` refers to, through its /proc/self/fd link so that O_PATH
/// descriptors work too.
pub fn fchmod_fd(fd: BorrowedFd<'_>, mode: u32) -> SysResult<()> {
    let c = cpath(&fd_path(fd))?;
    // SAFETY: c is valid for the call.
    check_int(unsafe { libc::chmod(c.as_ptr(), mode) }).map(drop)
}

pub fn fstat(fd: BorrowedFd<'_>) -> SysResult<libc::stat> {
    let mut st = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: the kernel fills st on success; AT_EMPTY_PATH makes this an fstat that also works
    // on O_PATH descriptors.
    check_int(unsafe {
        libc::fstatat(fd.as_raw_fd(), c"".as_ptr(), st.as_mut_ptr(), libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW)
    })?;
    // SAFETY: fstatat succeeded, so st is initialised.
    Ok(unsafe { st.assume_init() })
}

pub fn fstatat(dir: Option<BorrowedFd<'_>>, path: &Path, flags: i32) -> SysResult<libc::stat> {
    let c = cpath(path)?;
    let mut st = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: the kernel fills st on success.
    check_int(unsafe { libc::fstatat(dirfd_raw(dir), c.as_ptr(), st.as_mut_ptr(), flags) })?;
    // SAFETY: fstatat succeeded, so st is initialised.
    Ok(unsafe { st.assume_init() })
}

pub fn fstatfs(fd: BorrowedFd<'_>) -> SysResult<libc::statfs> {
    let mut st = MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: the kernel fills st on success.
    check_int(unsafe { libc::fstatfs(fd.as_raw_fd(), st.as_mut_ptr()) })?;
    // SAFETY: fstatfs succeeded, so st is initialised.
    Ok(unsafe { st.assume_init() })
}

pub fn readlinkat(dir: Option<BorrowedFd<'_>>, path: &Path) -> SysResult<PathBuf> {
    let c = cpath(path)?;
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    // SAFETY: buf has buf.len() writable bytes.
    let n = check(unsafe {
        libc::readlinkat(dirfd_raw(dir), c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) as libc::c_long
    })?;
    buf.truncate(n as usize);
    Ok(PathBuf::from(OsString::from_vec(buf)))
}

/// The path of a descriptor's /proc/self/fd link, for syscalls that only take paths.
pub fn fd_path(fd: BorrowedFd<'_>) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

/// Where a descriptor points, as the kernel names it.
pub fn fd_target(fd: BorrowedFd<'_>) -> SysResult<PathBuf> {
    readlinkat(None, &fd_path(fd))
}

pub fn mkfifo(path: &Path, mode: u32) -> SysResult<()> {
    let c = cpath(path)?;
    // SAFETY: c is valid for the call.
    check_int(unsafe { libc::mkfifo(c.as_ptr(), mode) }).map(drop)
}

/// flock(2) on a descriptor; `op` is LOCK_EX/LOCK_SH, optionally with LOCK_NB.
pub fn flock(fd: BorrowedFd<'_>, op: i32) -> SysResult<()> {
    loop {
        // SAFETY: flock only reads its integer arguments.
        match check_int(unsafe { libc::flock(fd.as_raw_fd(), op) }) {
            Err(Errno::EINTR) => continue,
            other => return other.map(drop),
        }
    }
}

/// Marks every descriptor from `first` up as close-on-exec, so that nothing of the runtime's
/// reaches the container's process.
pub fn cloexec_from(first: u32) -> SysResult<()> {
    // SAFETY: close_range only changes descriptor flags.
    check(unsafe { libc::syscall(libc::SYS_close_range, first, u32::MAX, libc::CLOSE_RANGE_CLOEXEC) }).map(drop)
}

pub fn makedev(major: u64, minor: u64) -> u64 {
    libc::makedev(major as u32, minor as u32)
}

pub fn major(dev: u64) -> u64 {
    libc::major(dev) as u64
}

pub fn minor(dev: u64) -> u64 {
    libc::minor(dev) as u64
}

/// Writes all of `data` to a descriptor.
pub fn write_all(fd: BorrowedFd<'_>, mut data: &[u8]) -> SysResult<()> {
    while !data.is_empty() {
        // SAFETY: data points to data.len() readable bytes.
        let n = unsafe { libc::write(fd.as_raw_fd(), data.as_ptr().cast(), data.len()) };
        match check(n as libc::c_long) {
            Ok(0) => return Err(Errno::EIO),
            Ok(n) => data = &data[n as usize..],
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One write(2): how many bytes went out.
pub fn write(fd: BorrowedFd<'_>, data: &[u8]) -> SysResult<usize> {
    // SAFETY: data points to data.len() readable bytes.
    let n = unsafe { libc::write(fd.as_raw_fd(), data.as_ptr().cast(), data.len()) };
    check(n as libc::c_long).map(|n| n as usize)
}

/// poll(2) on `fds`, retried on EINTR; returns how many have events. `timeout_ms` < 0 waits
/// forever.
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> SysResult<usize> {
    loop {
        // SAFETY: fds has fds.len() entries for the kernel to fill.
        match check_int(unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) }) {
            Err(Errno::EINTR) => continue,
            other => return other.map(|n| n as usize),
        }
    }
}

/// Reads up to `buf.len()` bytes.
pub fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> SysResult<usize> {
    loop {
        // SAFETY: buf has buf.len() writable bytes.
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        match check(n as libc::c_long) {
            Err(Errno::EINTR) => continue,
            other => return other.map(|n| n as usize),
        }
    }
}

/// Name of a C string for messages.
pub fn lossy(c: &CStr) -> String {
    c.to_string_lossy().into_owned()
}

/// This process's standard descriptors that are open. They are borrowed for the life of the
/// process: nothing in ocirun closes 0, 1 or 2.
pub fn open_stdio() -> Vec<(BorrowedFd<'static>, RawFd)> {
    (0..3)
        .filter(|fd| {
            // SAFETY: F_GETFD only reads the descriptor's flags.
            let flags = unsafe { libc::fcntl(*fd, libc::F_GETFD) };
            flags >= 0
        })
        // SAFETY: the descriptor is open (checked above) and, being stdio, stays open.
        .map(|fd| (unsafe { BorrowedFd::borrow_raw(fd) }, fd))
        .collect()
}

/// A descriptor this process inherited at a known number (the launcher put it there), if it
/// is open. Borrowed for the life of the process, which never closes it.
pub fn inherited(fd: RawFd) -> Option<BorrowedFd<'static>> {
    // SAFETY: F_GETFD only reads the descriptor's flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    // SAFETY: the descriptor is open (checked above) and nothing in this process closes it.
    (flags >= 0).then(|| unsafe { BorrowedFd::borrow_raw(fd) })
}

/// Closes every descriptor from `first` up.
pub fn close_from(first: u32) -> SysResult<()> {
    // SAFETY: close_range only closes descriptors; the caller owns no object for them any more.
    check(unsafe { libc::syscall(libc::SYS_close_range, first, u32::MAX, 0) }).map(drop)
}

/// Puts each descriptor at its target number (open across exec) and closes every descriptor
/// above the highest target: with targets 0..N, the table afterwards is exactly `fds`. Sources are first moved above every target, so that one placement cannot clobber the
/// source of another.
pub fn place_descriptors(fds: Vec<(OwnedFd, RawFd)>) -> SysResult<()> {
    let floor = fds.iter().map(|(_, t)| *t).max().unwrap_or(2).max(2) + 1;
    let mut staged = Vec::with_capacity(fds.len());
    for (fd, target) in fds {
        // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor that we own.
        let high = check_int(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, floor + 64) })?;
        // SAFETY: high was just returned to us.
        staged.push((unsafe { OwnedFd::from_raw_fd(high) }, target));
    }
    for (fd, target) in &staged {
        // SAFETY: dup3 replaces `target` atomically with a copy of a descriptor we own.
        check_int(unsafe { libc::dup3(fd.as_raw_fd(), *target, 0) })?;
    }
    drop(staged);
    // SAFETY: close_range only closes descriptors; nothing above the targets is used again
    // (the caller's OwnedFds were dropped or consumed above).
    check(unsafe { libc::syscall(libc::SYS_close_range, floor as u32, u32::MAX, 0) }).map(drop)
}

/// A pipe, both ends close-on-exec: (read end, write end).
pub fn pipe() -> SysResult<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    check_int(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: the kernel just returned both descriptors and nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Makes reads and writes on `fd` return EAGAIN instead of blocking.
pub fn set_nonblocking(fd: BorrowedFd<'_>) -> SysResult<()> {
    // SAFETY: F_GETFL and F_SETFL only read and set the descriptor's status flags.
    let flags = check_int(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })?;
    // SAFETY: as above.
    check_int(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) }).map(drop)
}

/// Runs `f` with descriptors an embedder owns by number (a JS caller's stdio choices), after
/// checking that each is open. The caller keeps them open until `f` returns.
pub fn with_borrowed<R>(fds: [RawFd; 3], f: impl FnOnce([BorrowedFd<'_>; 3]) -> R) -> SysResult<R> {
    for fd in fds {
        // SAFETY: F_GETFD only reads the descriptor's flags.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            return Err(Errno::EBADF);
        }
    }
    // SAFETY: each descriptor is open (checked above) and its owner keeps it open for the
    // duration of `f`, which cannot hold on to the borrows past its return.
    let borrowed = fds.map(|fd| unsafe { BorrowedFd::borrow_raw(fd) });
    Ok(f(borrowed))
}

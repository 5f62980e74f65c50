//! In-memory files: a sealed, unwritable copy of an executable, and plain data to read.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use super::{check_int, cstr, owned_fd, Errno, SysResult};

const MFD_CLOEXEC: u32 = 0x0001;
const MFD_ALLOW_SEALING: u32 = 0x0002;
const MFD_EXEC: u32 = 0x0010;
const F_SEAL_SEAL: i32 = 0x0001;
const F_SEAL_SHRINK: i32 = 0x0002;
const F_SEAL_GROW: i32 = 0x0004;
const F_SEAL_WRITE: i32 = 0x0008;
const F_SEAL_EXEC: i32 = 0x0020;

fn memfd_create(name: &str, flags: u32) -> SysResult<OwnedFd> {
    let c = cstr(name)?;
    // SAFETY: c is valid for the call.
    owned_fd(unsafe { libc::syscall(libc::SYS_memfd_create, c.as_ptr(), flags) })
}

/// Copies `bytes` into a new memfd and seals it against writes, resizing and mode changes, so
/// that no process (a container's included) can alter what it executes.
pub fn sealed_executable(name: &str, bytes: &[u8]) -> SysResult<OwnedFd> {
    // MFD_EXEC (Linux 6.3) keeps the memfd executable where vm.memfd_noexec would refuse it;
    // older kernels reject the flag, so retry without it.
    let fd = match memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC) {
        Err(Errno::EINVAL) => memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING)?,
        other => other?,
    };
    super::fs::write_all(fd.as_fd(), bytes)?;
    // SAFETY: fchmod only reads integers.
    check_int(unsafe { libc::fchmod(fd.as_raw_fd(), 0o555) })?;
    let seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
    // SAFETY: F_ADD_SEALS only reads integers. F_SEAL_EXEC (Linux 6.3) is tried first.
    let ret = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals | F_SEAL_EXEC) };
    if ret < 0 {
        // SAFETY: as above.
        check_int(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) })?;
    }
    Ok(fd)
}

/// A memfd holding `bytes`, positioned at its start: a file to hand a child as its stdin, which
/// unlike a pipe needs no writer alive and no buffer large enough for all of it.
pub fn with_contents(name: &str, bytes: &[u8]) -> SysResult<OwnedFd> {
    let fd = memfd_create(name, MFD_CLOEXEC)?;
    super::fs::write_all(fd.as_fd(), bytes)?;
    // SAFETY: lseek only reads integers.
    let ret = unsafe { libc::lseek(fd.as_raw_fd(), 0, libc::SEEK_SET) };
    if ret < 0 {
        return Err(Errno::last());
    }
    Ok(fd)
}

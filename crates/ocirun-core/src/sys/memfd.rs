//! A sealed, unwritable in-memory copy of an executable.

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

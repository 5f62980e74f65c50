//! seccomp(2): loading a classic BPF filter into the calling process, and asking the kernel
//! which filter flags it knows. The layouts and constants are those of linux/filter.h and
//! linux/seccomp.h.

use std::os::fd::{FromRawFd, OwnedFd};

use super::{check, Errno, SysResult};

/// One classic BPF instruction (struct sock_filter).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SockFilter {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// struct sock_fprog.
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

const SECCOMP_SET_MODE_FILTER: libc::c_ulong = 1;

pub const SECCOMP_FILTER_FLAG_LOG: u32 = 1 << 1;
pub const SECCOMP_FILTER_FLAG_SPEC_ALLOW: u32 = 1 << 2;
pub const SECCOMP_FILTER_FLAG_NEW_LISTENER: u32 = 1 << 3;
pub const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: u32 = 1 << 5;

/// The kernel's limit on a classic BPF program (BPF_MAXINSNS).
pub const BPF_MAXINSNS: usize = 4096;

/// Loads `filter` into the calling process. With SECCOMP_FILTER_FLAG_NEW_LISTENER the kernel
/// returns the notification descriptor (close-on-exec), which comes back here.
pub fn set_filter(flags: u32, filter: &[SockFilter]) -> SysResult<Option<OwnedFd>> {
    let len = u16::try_from(filter.len()).map_err(|_| Errno::EINVAL)?;
    let prog = SockFprog { len, filter: filter.as_ptr() };
    // SAFETY: prog points to `len` instructions that live for the call; the kernel copies them.
    let ret = check(unsafe {
        libc::syscall(libc::SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags as libc::c_ulong, &prog as *const SockFprog)
    })?;
    if flags & SECCOMP_FILTER_FLAG_NEW_LISTENER == 0 {
        return Ok(None);
    }
    let fd = i32::try_from(ret).map_err(|_| Errno::EBADF)?;
    // SAFETY: with NEW_LISTENER the kernel returned a new descriptor that nothing else owns.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// Whether the kernel accepts these filter flags together. The kernel checks the flags before
/// it reads the program, so a null program fails with EFAULT when they are known and with
/// EINVAL when not (libseccomp asks the same way); nothing is loaded either way.
pub fn flags_supported(flags: u32) -> bool {
    // SAFETY: a null program is never dereferenced: the call fails before or at copying it.
    let ret = unsafe {
        libc::syscall(libc::SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags as libc::c_ulong, std::ptr::null::<SockFprog>())
    };
    ret < 0 && Errno::last() == Errno::EFAULT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_knows_the_log_flag_and_not_an_invented_one() {
        assert!(flags_supported(SECCOMP_FILTER_FLAG_LOG));
        assert!(!flags_supported(1 << 30));
    }
}

//! Thin, safe wrappers around the system calls ocirun needs and std does not offer.
//!
//! Every `unsafe` block of the crate lives under this module, each behind a safe signature and
//! with a `SAFETY:` note. Callers above this layer see `Result<_, Errno>` and owned descriptors.

pub mod bpf;
pub mod caps;
pub mod epoll;
pub mod events;
pub mod fs;
pub mod keyctl;
pub mod memfd;
pub mod mount;
pub mod netlink;
pub mod ns;
pub mod pidfd;
pub mod process;
pub mod sched;
pub mod scm;
pub mod seccomp;
pub mod spawn;
pub mod tty;

use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub use nix::errno::Errno;

pub type SysResult<T> = Result<T, Errno>;

/// The symbolic name of an errno ("EPERM"), as the CLI prints it.
pub fn errno_name(errno: Errno) -> String {
    format!("{errno:?}")
}

/// Converts a raw syscall return value: negative means the errno is set.
fn check(ret: libc::c_long) -> SysResult<libc::c_long> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

fn check_int(ret: libc::c_int) -> SysResult<libc::c_int> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// Wraps a descriptor a syscall just returned.
fn owned_fd(ret: libc::c_long) -> SysResult<OwnedFd> {
    let fd = check(ret)? as RawFd;
    // SAFETY: the kernel just returned this descriptor to us and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A path as a C string; a path with an interior NUL byte cannot name a file.
pub fn cpath(path: &Path) -> SysResult<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)
}

pub fn cstr(s: &str) -> SysResult<CString> {
    CString::new(s).map_err(|_| Errno::EINVAL)
}

//! rtnetlink sockets: the socket itself and interface lookup. Messages are plain bytes, built
//! and parsed in `netdev::message`, written and read with `fs::write_all` and `fs::read`.

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};

use super::{check_int, cstr, owned_fd, Errno, SysResult};

/// How long a read waits for the kernel's answer before it fails with EAGAIN.
const ANSWER_TIMEOUT_SECS: libc::time_t = 10;

/// A NETLINK_ROUTE socket bound to a kernel-chosen port, in the caller's network namespace.
pub fn route_socket() -> SysResult<OwnedFd> {
    // SAFETY: socket takes integers and returns a new descriptor or -1.
    let fd =
        owned_fd(unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::NETLINK_ROUTE) }
            as libc::c_long)?;
    // SAFETY: sockaddr_nl is plain data; all zero means "the kernel picks the port".
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    // SAFETY: addr lives for the call and its size is passed.
    check_int(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            &addr as *const libc::sockaddr_nl as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    })?;
    let timeout = libc::timeval { tv_sec: ANSWER_TIMEOUT_SECS, tv_usec: 0 };
    // SAFETY: timeout lives for the call and its size is passed.
    check_int(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            &timeout as *const libc::timeval as *const libc::c_void,
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    })?;
    Ok(fd)
}

/// The index of the interface called `name` in the caller's network namespace.
pub fn if_nametoindex(name: &str) -> SysResult<u32> {
    let c: CString = cstr(name)?;
    // SAFETY: c is a C string that lives for the call.
    match unsafe { libc::if_nametoindex(c.as_ptr()) } {
        0 => Err(Errno::last()),
        i => Ok(i),
    }
}

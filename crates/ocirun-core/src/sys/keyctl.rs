//! The kernel keyring calls the init needs: join a named session keyring, read and set its
//! permissions.

use std::ffi::CString;

use super::{check, cstr, Errno, SysResult};

const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
const KEYCTL_SETPERM: libc::c_long = 5;
const KEYCTL_DESCRIBE: libc::c_long = 6;

/// Joins (creating if needed) the session keyring called `name`; returns its serial.
pub fn join_session_keyring(name: &str) -> SysResult<i32> {
    let c: CString = cstr(name)?;
    // SAFETY: c is a C string that lives for the call.
    check(unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, c.as_ptr()) }).map(|id| id as i32)
}

/// KEYCTL_DESCRIBE: "type;uid;gid;perm;description".
pub fn describe(key: i32) -> SysResult<String> {
    let mut buf = vec![0u8; 512];
    // SAFETY: buf has buf.len() writable bytes; the kernel writes at most that many.
    let n = check(unsafe {
        libc::syscall(libc::SYS_keyctl, KEYCTL_DESCRIBE, key as libc::c_long, buf.as_mut_ptr(), buf.len())
    })? as usize;
    if n > buf.len() {
        return Err(Errno::ERANGE);
    }
    buf.truncate(n.saturating_sub(1));
    String::from_utf8(buf).map_err(|_| Errno::EINVAL)
}

pub fn set_perm(key: i32, perm: u32) -> SysResult<()> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_SETPERM, key as libc::c_long, perm as libc::c_long) })
        .map(drop)
}

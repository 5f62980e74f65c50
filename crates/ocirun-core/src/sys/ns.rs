//! Namespaces: unshare, setns, and the clone that makes the container's init.

use std::os::fd::{AsRawFd, BorrowedFd};

use super::{check, check_int, SysResult};

pub fn unshare(flags: i32) -> SysResult<()> {
    // SAFETY: unshare only reads its flags.
    check_int(unsafe { libc::unshare(flags) }).map(drop)
}

/// Joins the namespace `fd` refers to; `nstype` 0 accepts any type.
pub fn setns(fd: BorrowedFd<'_>, nstype: i32) -> SysResult<()> {
    // SAFETY: setns only reads its integer arguments.
    check_int(unsafe { libc::setns(fd.as_raw_fd(), nstype) }).map(drop)
}

/// Which side of a fork-like clone this process is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forked {
    Child,
    Parent(i32),
}

/// clone(2) with fork semantics (no new stack, no shared memory) and `flags` added, always with
/// CLONE_PARENT so that the new process is a sibling of the caller: a child of whoever spawned
/// the init, which can then wait for it and hold a pidfd to it.
///
/// Only call this from a single-threaded process (the init executable is one).
pub fn clone_sibling(flags: u64) -> SysResult<Forked> {
    let all = flags | libc::CLONE_PARENT as u64 | libc::SIGCHLD as u64;
    // SAFETY: a null stack gives fork semantics: the child continues on a copy of this stack.
    // The caller is single-threaded, so no lock of another thread can be held in the copy.
    // On x86_64 and aarch64 the argument order is (flags, stack, parent_tid, child_tid, tls).
    let ret = check(unsafe { libc::syscall(libc::SYS_clone, all, 0usize, 0usize, 0usize, 0usize) })?;
    Ok(if ret == 0 { Forked::Child } else { Forked::Parent(ret as i32) })
}

/// clone(2) with fork semantics and `flags` added: a child of the caller, which must reap it.
///
/// Only call this from a single-threaded process.
pub fn clone_child(flags: u64) -> SysResult<Forked> {
    let all = flags | libc::SIGCHLD as u64;
    // SAFETY: as for clone_sibling: fork semantics in a single-threaded caller.
    let ret = check(unsafe { libc::syscall(libc::SYS_clone, all, 0usize, 0usize, 0usize, 0usize) })?;
    Ok(if ret == 0 { Forked::Child } else { Forked::Parent(ret as i32) })
}

/// Whether this kernel has time namespaces.
pub fn has_time_namespace() -> bool {
    std::path::Path::new("/proc/self/ns/time").exists()
}

/// clone_args for clone3(2), version 2 (with the cgroup field).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// As [`clone_sibling`], with the child placed in the cgroup v2 directory `cgroup` from its
/// first instruction (CLONE_INTO_CGROUP, Linux 5.7).
pub fn clone_sibling_into_cgroup(flags: u64, cgroup: BorrowedFd<'_>) -> SysResult<Forked> {
    const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;
    // clone3 refuses an exit signal with CLONE_PARENT: the child gets its parent's (SIGCHLD,
    // from posix_spawn), which is what the runtime waits for.
    let args = CloneArgs {
        flags: flags | libc::CLONE_PARENT as u64 | CLONE_INTO_CGROUP,
        cgroup: cgroup.as_raw_fd() as u64,
        ..Default::default()
    };
    // SAFETY: fork semantics as for clone_sibling (no stack given, so the child continues on a
    // copy of this one); args lives for the call and its size is passed.
    let ret =
        check(unsafe { libc::syscall(libc::SYS_clone3, &args as *const CloneArgs, std::mem::size_of::<CloneArgs>()) })?;
    Ok(if ret == 0 { Forked::Child } else { Forked::Parent(ret as i32) })
}

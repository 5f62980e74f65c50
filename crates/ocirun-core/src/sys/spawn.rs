//! posix_spawn(3) of an executable held in a descriptor, with a chosen descriptor table.
//!
//! glibc implements posix_spawn with clone(CLONE_VM|CLONE_VFORK) and runs only its own
//! async-signal-safe steps in the child before execve, so no Rust code (and nothing of the
//! calling Node process) runs between fork and exec.

use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use super::{check_int, Errno, SysResult};

/// The lowest descriptor number used for staging, above any target descriptor.
const STAGING_FLOOR: RawFd = 64;

/// Frees the spawn structures however the spawn ends.
struct Attrs {
    actions: libc::posix_spawn_file_actions_t,
    attr: libc::posix_spawnattr_t,
}

impl Drop for Attrs {
    fn drop(&mut self) {
        // SAFETY: both were initialised in `Attrs::new` and are destroyed once.
        unsafe {
            libc::posix_spawn_file_actions_destroy(&mut self.actions);
            libc::posix_spawnattr_destroy(&mut self.attr);
        }
    }
}

impl Attrs {
    fn new() -> SysResult<Box<Self>> {
        // SAFETY: zeroed storage is initialised by the _init calls before any other use; the
        // Box keeps the structures at a fixed address, as glibc expects.
        unsafe {
            let mut a = Box::new(Attrs { actions: std::mem::zeroed(), attr: std::mem::zeroed() });
            let rc = libc::posix_spawn_file_actions_init(&mut a.actions);
            if rc != 0 {
                return Err(Errno::from_raw(rc));
            }
            let rc = libc::posix_spawnattr_init(&mut a.attr);
            if rc != 0 {
                libc::posix_spawn_file_actions_destroy(&mut a.actions);
                return Err(Errno::from_raw(rc));
            }
            Ok(a)
        }
    }
}

fn rc(ret: libc::c_int) -> SysResult<()> {
    if ret == 0 {
        Ok(())
    } else {
        Err(Errno::from_raw(ret))
    }
}

/// Spawns `exe` (a descriptor of an executable) with `argv` and `envp`. The child gets exactly
/// the descriptors in `fd_map` (source, number in the child) plus whatever of 0-2 the caller
/// does not remap; everything else is closed. The executable itself must stay open until the
/// exec, so it lands one above the highest mapped number, where the child is expected to close
/// it. Signal dispositions and mask start clean.
pub fn spawn_fd(
    exe: BorrowedFd<'_>,
    argv: &[CString],
    envp: &[CString],
    fd_map: &[(BorrowedFd<'_>, RawFd)],
) -> SysResult<i32> {
    let highest_target = fd_map.iter().map(|(_, t)| *t).max().unwrap_or(2).max(2);
    let exe_target = highest_target + 1;
    let mut fd_map: Vec<(BorrowedFd<'_>, RawFd)> = fd_map.to_vec();
    fd_map.push((exe, exe_target));
    let path = CString::new(format!("/proc/self/fd/{exe_target}")).map_err(|_| Errno::EINVAL)?;
    spawn(&path, argv, envp, &fd_map, false)
}

/// Spawns the program at `path` (absolute: no PATH search) with exactly `argv` and `envp`, in a
/// process group of its own (so that the group can be killed), with the descriptors of
/// `fd_map` and no others. An exec failure (ENOENT, EACCES, ENOEXEC) is the returned error.
pub fn spawn_program(
    path: &CStr,
    argv: &[CString],
    envp: &[CString],
    fd_map: &[(BorrowedFd<'_>, RawFd)],
) -> SysResult<i32> {
    spawn(path, argv, envp, fd_map, true)
}

fn spawn(
    path: &CStr,
    argv: &[CString],
    envp: &[CString],
    fd_map: &[(BorrowedFd<'_>, RawFd)],
    own_group: bool,
) -> SysResult<i32> {
    let highest_target = fd_map.iter().map(|(_, t)| *t).max().unwrap_or(2).max(2);
    // Stage every source above all targets first, so that one dup2 cannot clobber the source of
    // another.
    let mut staged: Vec<(OwnedFd, RawFd)> = Vec::with_capacity(fd_map.len());
    for (src, target) in fd_map {
        // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor that we own.
        let fd = check_int(unsafe { libc::fcntl(src.as_raw_fd(), libc::F_DUPFD_CLOEXEC, STAGING_FLOOR) })?;
        // SAFETY: fd was just returned to us.
        staged.push((unsafe { OwnedFd::from_raw_fd(fd) }, *target));
    }
    let mut a = Attrs::new()?;
    let mut flags = libc::POSIX_SPAWN_SETSIGDEF | libc::POSIX_SPAWN_SETSIGMASK;
    if own_group {
        flags |= libc::POSIX_SPAWN_SETPGROUP;
    }
    // SAFETY: all pointers refer to live, initialised structures or C strings.
    unsafe {
        for (fd, target) in &staged {
            rc(libc::posix_spawn_file_actions_adddup2(&mut a.actions, fd.as_raw_fd(), *target))?;
        }
        rc(libc::posix_spawn_file_actions_addclosefrom_np(&mut a.actions, highest_target + 1))?;

        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        rc(libc::posix_spawnattr_setsigdefault(&mut a.attr, &all))?;
        rc(libc::posix_spawnattr_setsigmask(&mut a.attr, &none))?;
        // Process group 0: the child's own pid.
        rc(libc::posix_spawnattr_setpgroup(&mut a.attr, 0))?;
        rc(libc::posix_spawnattr_setflags(&mut a.attr, flags as libc::c_short))?;
    }

    let mut args: Vec<*mut libc::c_char> = argv.iter().map(|s| s.as_ptr() as *mut libc::c_char).collect();
    args.push(std::ptr::null_mut());
    let mut env: Vec<*mut libc::c_char> = envp.iter().map(|s| s.as_ptr() as *mut libc::c_char).collect();
    env.push(std::ptr::null_mut());
    let mut pid: libc::pid_t = 0;
    // SAFETY: every pointer is valid for the call; argv and envp are NULL-terminated.
    rc(unsafe { libc::posix_spawn(&mut pid, path.as_ptr(), &a.actions, &a.attr, args.as_ptr(), env.as_ptr()) })?;
    drop(staged);
    Ok(pid)
}

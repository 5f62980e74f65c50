//! Process attributes: credentials, prctl flags, rlimits, host and domain names, exec.

use std::ffi::CString;

use super::{check, check_int, cstr, Errno, SysResult};

fn prctl(option: i32, arg2: u64) -> SysResult<i32> {
    // SAFETY: these prctl options only read integer arguments.
    check_int(unsafe {
        libc::prctl(option, arg2 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong)
    })
}

pub fn set_keepcaps(keep: bool) -> SysResult<()> {
    prctl(libc::PR_SET_KEEPCAPS, keep as u64).map(drop)
}

pub fn set_no_new_privs() -> SysResult<()> {
    // SAFETY: PR_SET_NO_NEW_PRIVS takes (1, 0, 0, 0).
    check_int(unsafe {
        libc::prctl(
            libc::PR_SET_NO_NEW_PRIVS,
            1 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        )
    })
    .map(drop)
}

/// Asks the kernel to SIGKILL this process when its parent exits.
pub fn die_with_parent() -> SysResult<()> {
    prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as u64).map(drop)
}

/// Sleeps until a signal ends the process.
pub fn pause_forever() -> ! {
    loop {
        // SAFETY: pause has no arguments and only returns after a handled signal.
        unsafe { libc::pause() };
    }
}

/// A non-dumpable process cannot be ptraced nor have its /proc files opened by others.
pub fn set_dumpable(dumpable: bool) -> SysResult<()> {
    prctl(libc::PR_SET_DUMPABLE, dumpable as u64).map(drop)
}

/// Sets the process name (comm, at most 15 bytes) that /proc/PID/comm shows.
pub fn set_name(name: &str) -> SysResult<()> {
    let c = cstr(name)?;
    // SAFETY: c lives for the call; the kernel copies at most 16 bytes.
    check_int(unsafe {
        libc::prctl(
            libc::PR_SET_NAME,
            c.as_ptr() as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        )
    })
    .map(drop)
}

pub fn setresuid(uid: u32) -> SysResult<()> {
    // SAFETY: raw syscall with integer arguments; the init is single-threaded, so the per-thread
    // credentials of the syscall are the process's.
    check(unsafe { libc::syscall(libc::SYS_setresuid, uid, uid, uid) }).map(drop)
}

pub fn setresgid(gid: u32) -> SysResult<()> {
    // SAFETY: as for setresuid.
    check(unsafe { libc::syscall(libc::SYS_setresgid, gid, gid, gid) }).map(drop)
}

pub fn setgroups(gids: &[u32]) -> SysResult<()> {
    // SAFETY: gids points to gids.len() group ids.
    check(unsafe { libc::syscall(libc::SYS_setgroups, gids.len(), gids.as_ptr()) }).map(drop)
}

pub fn sethostname(name: &str) -> SysResult<()> {
    // SAFETY: name points to name.len() bytes.
    check_int(unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) }).map(drop)
}

pub fn setdomainname(name: &str) -> SysResult<()> {
    // SAFETY: name points to name.len() bytes.
    check_int(unsafe { libc::setdomainname(name.as_ptr().cast(), name.len()) }).map(drop)
}

pub fn setrlimit(resource: u32, soft: u64, hard: u64) -> SysResult<()> {
    let lim = libc::rlimit64 { rlim_cur: soft, rlim_max: hard };
    // SAFETY: lim lives for the call; the old-limit pointer is null.
    check_int(unsafe { libc::prlimit64(0, resource as _, &lim, std::ptr::null_mut()) }).map(drop)
}

pub fn umask(mask: u32) -> u32 {
    // SAFETY: umask cannot fail.
    unsafe { libc::umask(mask) }
}

/// The raw getcwd(2) result: Linux prefixes "(unreachable)" when the working directory lies
/// outside the process's root.
pub fn getcwd_raw() -> SysResult<Vec<u8>> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    // SAFETY: buf has buf.len() writable bytes.
    let n = check(unsafe { libc::syscall(libc::SYS_getcwd, buf.as_mut_ptr(), buf.len()) })?;
    // The returned length includes the terminating NUL.
    buf.truncate((n as usize).saturating_sub(1));
    Ok(buf)
}

pub fn access_executable(path: &CString) -> SysResult<()> {
    // SAFETY: path is a valid C string.
    check_int(unsafe { libc::access(path.as_ptr(), libc::X_OK) }).map(drop)
}

/// execve(2); returns only on failure.
pub fn execve(path: &CString, argv: &[CString], envp: &[CString]) -> Errno {
    let mut args: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    args.push(std::ptr::null());
    let mut env: Vec<*const libc::c_char> = envp.iter().map(|e| e.as_ptr()).collect();
    env.push(std::ptr::null());
    // SAFETY: both arrays are NULL-terminated and point to C strings that outlive the call.
    unsafe { libc::execve(path.as_ptr(), args.as_ptr(), env.as_ptr()) };
    Errno::last()
}

/// Closes every descriptor from `first` up, except `keep` (which should be close-on-exec), and
/// executes the program. On failure, `failed` (which may write to stdio or `keep`) gives the
/// exit code, and the process ends: nothing that owned a closed descriptor runs again,
/// whichever way this goes.
pub fn exec_closing_from(
    first: u32,
    keep: Option<i32>,
    path: &CString,
    argv: &[CString],
    envp: &[CString],
    failed: impl FnOnce(Errno) -> i32,
) -> ! {
    let ranges: [(u32, u32); 2] = match keep {
        Some(k) if k as u32 >= first => [(first, (k as u32).saturating_sub(1)), (k as u32 + 1, u32::MAX)],
        _ => [(first, u32::MAX), (1, 0)],
    };
    let mut closed = Ok(0);
    for (lo, hi) in ranges {
        if lo <= hi && closed.is_ok() {
            // SAFETY: close_range only closes descriptors; their owners never run again (see above).
            closed = check(unsafe { libc::syscall(libc::SYS_close_range, lo, hi, 0) });
        }
    }
    // The init's own start-up ignores SIGPIPE (Rust's runtime does), and an ignored signal
    // stays ignored across execve: the program must start with every disposition at its default.
    reset_signal_dispositions();
    let errno = match closed {
        Ok(_) => execve(path, argv, envp),
        Err(e) => e,
    };
    exit_now(failed(errno))
}

pub fn getpid() -> i32 {
    // SAFETY: getpid cannot fail.
    unsafe { libc::getpid() }
}

pub fn getppid() -> i32 {
    // SAFETY: getppid cannot fail.
    unsafe { libc::getppid() }
}

/// Ends the process without running destructors or flushing stdio buffers that a cloned
/// child may share with its parent.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit never returns and has no preconditions.
    unsafe { libc::_exit(code) }
}

/// Sets the disposition of every catchable signal back to the default, through the raw
/// syscall: glibc's wrappers refuse the two real-time signals it keeps for itself (32 and 33),
/// which a program must not find ignored either.
pub fn reset_signal_dispositions() {
    const NSIG: i32 = 64;
    for sig in 1..=NSIG {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // The kernel's struct sigaction: handler, flags, restorer, mask.
        let act: [u64; 4] = [libc::SIG_DFL as u64, 0, 0, 0];
        // SAFETY: act is a valid kernel sigaction for the call, the old action pointer is null,
        // and the mask size is the kernel's (8 bytes); failures (invalid numbers) are harmless.
        unsafe { libc::syscall(libc::SYS_rt_sigaction, sig, act.as_ptr(), std::ptr::null_mut::<u64>(), 8usize) };
    }
}

/// Clears the signal mask.
pub fn unblock_all_signals() -> SysResult<()> {
    // SAFETY: set is initialised by sigemptyset before use.
    unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut set);
        check_int(libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut())).map(drop)
    }
}

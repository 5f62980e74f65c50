//! The last steps: the working directory, the executable's lookup, and execve.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::spec::Process;
use std::os::fd::AsFd;

use crate::sys::fs::{self as sysfs, RESOLVE_NO_MAGICLINKS};
use crate::sys::{mount, process, Errno};

use super::ProcessError;

/// Creates the working directory if the image lacks it (as runc does), before the user switch.
pub fn make_cwd(cwd: &str) -> Result<(), ProcessError> {
    let err = |errno| ProcessError::MakeCwd { path: cwd.to_string(), errno };
    let mut path = PathBuf::from("/");
    for c in Path::new(cwd).components().skip(1) {
        path.push(c);
        match sysfs::mkdirat(None, &path, 0o755) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(err(e)),
        }
    }
    Ok(())
}

/// chdir, then a check that the kernel can reach the result from the root: a cwd through a
/// leaked descriptor (/proc/self/fd/N, the CVE-2024-21626 class) reads as "(unreachable)".
pub fn enter_cwd(cwd: &str) -> Result<(), ProcessError> {
    mount::chdir(Path::new(cwd)).map_err(|errno| ProcessError::Chdir { path: cwd.to_string(), errno })?;
    match process::getcwd_raw() {
        Ok(bytes) if bytes.first() == Some(&b'/') => Ok(()),
        Ok(_) | Err(Errno::ENOENT) => Err(ProcessError::CwdOutsideRoot { path: cwd.to_string() }),
        Err(errno) => Err(ProcessError::Chdir { path: cwd.to_string(), errno }),
    }
}

/// What execve gets.
#[derive(Debug)]
pub struct Exec {
    pub path: CString,
    pub argv: Vec<CString>,
    pub env: Vec<CString>,
}

fn cstring(s: &str) -> Result<CString, ProcessError> {
    CString::new(s).map_err(|_| ProcessError::NotExecutable { path: s.to_string(), errno: Errno::EINVAL })
}

/// Resolves args[0] the way execvp would, against PATH from process.env, and checks that the
/// user can execute it, so that `create` fails rather than the container after `start`.
pub fn prepare(p: &Process) -> Result<Exec, ProcessError> {
    let name = p.args.first().ok_or(ProcessError::NoArgs)?;
    let mut env = p.env.clone();
    if !env.iter().any(|e| e.starts_with("HOME=")) {
        env.push(format!("HOME={}", super::user::home_dir(p.user.uid)));
    }
    let path = lookup(name, &env)?;
    Ok(Exec {
        path,
        argv: p.args.iter().map(|a| cstring(a)).collect::<Result<_, _>>()?,
        env: env.iter().map(|e| cstring(e)).collect::<Result<_, _>>()?,
    })
}

fn lookup(name: &str, env: &[String]) -> Result<CString, ProcessError> {
    if name.contains('/') {
        let c = cstring(name)?;
        return executable(&c)
            .map(|_| c)
            .map_err(|errno| ProcessError::NotExecutable { path: name.to_string(), errno });
    }
    let path_var = env.iter().rev().find_map(|e| e.strip_prefix("PATH=")).unwrap_or("");
    for dir in path_var.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let candidate = Path::new(dir).join(name);
        let c = CString::new(candidate.as_os_str().as_bytes())
            .map_err(|_| ProcessError::NotFound { name: name.to_string() })?;
        if executable(&c).is_ok() {
            return Ok(c);
        }
    }
    Err(ProcessError::NotFound { name: name.to_string() })
}

/// A regular file the process may execute, reached without a magic link: a path through
/// /proc/self/fd/N or /proc/PID/cwd leads wherever a descriptor of the init points, the host
/// included (the CVE-2024-21626 class), and is refused with ELOOP.
fn executable(path: &CString) -> Result<(), Errno> {
    let path_ref = Path::new(std::ffi::OsStr::from_bytes(path.as_bytes()));
    let fd = sysfs::openat2(None, path_ref, libc::O_PATH, 0, RESOLVE_NO_MAGICLINKS)?;
    if sysfs::fstat(fd.as_fd())?.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(Errno::EACCES);
    }
    process::access_executable(path)
}

/// Closes every descriptor from `first` up (stdio and the preserved ones stay), then executes;
/// on failure, says why on stderr and exits 127 (not found) or 126, as shells do. Closing
/// rather than marking close-on-exec matters: execve resolves the program's path while
/// close-on-exec descriptors are still open, so a path through /proc/self/fd/N would reach
/// whatever N holds even after the check above (a symlink in a shared volume can be changed
/// between create and start).
pub fn exec(e: &Exec, first: u32) -> ! {
    process::exec_closing_from(first, None, &e.path, &e.argv, &e.env, |errno| {
        // `start` has returned by now; the caller only sees the container exit.
        eprintln!("ocirun: exec {:?}: {errno:?}", e.path);
        exit_code(errno)
    })
}

/// As [`exec`], keeping `report` (a close-on-exec socket to a launcher still listening) open so
/// that a failed execve can be told; `failed` sends it and gives nothing back.
pub fn exec_reporting(e: &Exec, first: u32, report: i32, failed: impl FnOnce(Errno)) -> ! {
    process::exec_closing_from(first, Some(report), &e.path, &e.argv, &e.env, |errno| {
        failed(errno);
        exit_code(errno)
    })
}

fn exit_code(errno: Errno) -> i32 {
    if errno == Errno::ENOENT {
        127
    } else {
        126
    }
}

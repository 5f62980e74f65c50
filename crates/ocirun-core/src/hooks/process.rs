//! Running one hook: spawned with posix_spawn in a process group of its own, the state on its
//! stdin, its stdout and stderr captured (never the container's or the runtime's), killed
//! with its group when its timeout passes.

use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use super::HookFailure;
use crate::sys::pidfd::{self, ExitStatus};
use crate::sys::{fs as sysfs, memfd, spawn, Errno};

/// How much of each output stream is kept for the error message (its end, where the reason
/// usually is); the rest is read and dropped, so that a chatty hook never blocks on a full pipe.
const KEEP: usize = 16 << 10;

/// What a hook is run with.
pub struct Command<'a> {
    pub path: &'a CStr,
    pub argv: &'a [CString],
    pub env: &'a [CString],
    pub stdin: &'a [u8],
    pub timeout: Option<Duration>,
}

/// How a hook ended: its status, or that it ran past its timeout; and what it printed.
pub struct Finished {
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

fn system(what: &'static str) -> impl Fn(Errno) -> HookFailure {
    move |errno| HookFailure::System { what, errno }
}

/// Runs the hook to its end (or its timeout) and reaps it.
pub fn run(cmd: &Command<'_>) -> Result<Finished, HookFailure> {
    let stdin = memfd::with_contents("ocirun-hook-state", cmd.stdin).map_err(system("write the state for stdin"))?;
    let (out_r, out_w) = sysfs::pipe().map_err(system("make a pipe for stdout"))?;
    let (err_r, err_w) = sysfs::pipe().map_err(system("make a pipe for stderr"))?;
    let fd_map = [(stdin.as_fd(), 0), (out_w.as_fd(), 1), (err_w.as_fd(), 2)];
    let pid = spawn::spawn_program(cmd.path, cmd.argv, cmd.env, &fd_map).map_err(HookFailure::Exec)?;
    drop((stdin, out_w, err_w));
    let pidfd = match pidfd::pidfd_open(pid) {
        Ok(fd) => fd,
        Err(errno) => {
            let _ = pidfd::kill(-pid, libc::SIGKILL);
            let _ = pidfd::waitpid(pid);
            return Err(HookFailure::System { what: "open a process descriptor", errno });
        }
    };
    // A timeout too large for the clock is no limit at all.
    let deadline = cmd.timeout.and_then(|t| Instant::now().checked_add(t));
    let mut output = Output::new(out_r, err_r)?;
    let status = loop {
        let wait = match deadline {
            None => -1,
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) => left.as_millis().min(i32::MAX as u128) as i32,
                None => {
                    // The whole group: a shell hook's own children go with it.
                    let _ = pidfd::kill(-pid, libc::SIGKILL);
                    pidfd::wait_child(pidfd.as_fd()).map_err(system("wait for the hook"))?;
                    break None;
                }
            },
        };
        if output.wait(&pidfd, wait)? {
            break Some(pidfd::wait_child(pidfd.as_fd()).map_err(system("wait for the hook"))?);
        }
    };
    // What the hook wrote before it ended; a child of its that still holds the pipes open is
    // not waited for.
    output.drain();
    Ok(Finished { status, stdout: output.stdout.data, stderr: output.stderr.data })
}

/// One captured stream.
struct Stream {
    fd: Option<OwnedFd>,
    data: Vec<u8>,
}

impl Stream {
    fn new(fd: OwnedFd) -> Result<Stream, HookFailure> {
        sysfs::set_nonblocking(fd.as_fd()).map_err(system("read the hook's output"))?;
        Ok(Stream { fd: Some(fd), data: Vec::new() })
    }

    /// Reads what is there; at end of file (or on an error) the stream closes.
    fn read(&mut self) {
        let Some(fd) = &self.fd else { return };
        let mut buf = [0u8; 4096];
        loop {
            match sysfs::read(fd.as_fd(), &mut buf) {
                Err(Errno::EAGAIN) => return,
                Ok(0) | Err(_) => {
                    self.fd = None;
                    return;
                }
                Ok(n) => {
                    self.data.extend_from_slice(&buf[..n]);
                    let excess = self.data.len().saturating_sub(KEEP);
                    self.data.drain(..excess);
                }
            }
        }
    }
}

struct Output {
    stdout: Stream,
    stderr: Stream,
}

impl Output {
    fn new(out: OwnedFd, err: OwnedFd) -> Result<Output, HookFailure> {
        Ok(Output { stdout: Stream::new(out)?, stderr: Stream::new(err)? })
    }

    /// Waits up to `timeout_ms` (-1: no limit) for output or the hook's exit, reading what
    /// came. True once the hook has exited.
    fn wait(&mut self, pidfd: &OwnedFd, timeout_ms: i32) -> Result<bool, HookFailure> {
        let mut fds = vec![pidfd.as_fd()];
        let streams: Vec<&mut Stream> =
            [&mut self.stdout, &mut self.stderr].into_iter().filter(|s| s.fd.is_some()).collect();
        fds.extend(streams.iter().filter_map(|s| s.fd.as_ref().map(|f| f.as_fd())));
        let ready = pidfd::poll_readable(&fds, timeout_ms).map_err(system("wait for the hook"))?;
        drop(fds);
        for (i, s) in streams.into_iter().enumerate() {
            if ready.contains(&(i + 1)) {
                s.read();
            }
        }
        Ok(ready.contains(&0))
    }

    fn drain(&mut self) {
        self.stdout.read();
        self.stderr.read();
    }
}

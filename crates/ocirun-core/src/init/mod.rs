//! The init executable's logic: the bootstrap that turns a freshly spawned process into the
//! container's init. `src/bin/ocirun-init.rs` is a thin main() over [`run`].
//!
//! Stage 0 runs in the runtime's namespaces, joins the configured ones and clones stage 1,
//! which becomes the container's init (pid 1 of a new PID namespace) and sets the container up.

pub mod channel;
mod hook_points;
mod process_setup;
pub mod protocol;
mod stage_container;
mod stage_exec;
mod stage_host;
mod zygote;

use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::net::UnixStream;

use channel::Channel;
use protocol::{Failure, FromInit, Step, ToInit};

use crate::sys::{fs as sysfs, process};

/// Entry point of the init executable. argv[1] is the number of the control socket's
/// descriptor (the sealed executable sits right above it and is closed here), or "zygote"
/// followed by that number for the zygote a long-lived runtime forks its inits from.
pub fn run(args: &[String]) -> i32 {
    let (zygote, fd_arg) = match args.get(1).map(String::as_str) {
        Some("zygote") => (true, args.get(2)),
        _ => (false, args.get(1)),
    };
    let Some(fd) = fd_arg.and_then(|a| a.parse::<RawFd>().ok()).filter(|fd| *fd > 2) else {
        eprintln!("ocirun-init: this program is started by ocirun, not by hand");
        return 2;
    };
    if zygote {
        return zygote::serve(fd);
    }
    stage0(fd)
}

/// Stage 0 with its control socket at `fd`: receives its first message and runs the bootstrap
/// of a container or an exec.
fn stage0(fd: RawFd) -> i32 {
    // Whatever sits above the control socket (the executable's memfd) closes at the exec; the
    // socket itself must not reach the container either.
    if sysfs::cloexec_from(fd as u32).is_err() {
        return 2;
    }
    // SAFETY: the launcher placed the control socket at this number for us.
    let stream = unsafe { UnixStream::from_raw_fd(fd) };
    let mut ch = Channel::new(stream);
    let outcome = match ch.recv::<ToInit>() {
        Ok(ToInit::Bootstrap { options }) => stage_host::run(&mut ch, *options),
        Ok(ToInit::Exec { options }) => stage_exec::run(&mut ch, *options, fd),
        Ok(other) => Err(protocol_failure(format!("expected bootstrap or exec, got {other:?}"))),
        Err(e) => Err(protocol_failure(e)),
    };
    if let Err(failure) = outcome {
        // Nobody may be listening any more; the exit code still tells.
        let _ = ch.send(&FromInit::Failed(failure));
        process::exit_now(1);
    }
    0
}

pub(crate) fn protocol_failure(detail: impl std::fmt::Display) -> Failure {
    Failure { step: Step::Protocol, errno: None, detail: detail.to_string() }
}

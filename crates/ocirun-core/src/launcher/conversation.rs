//! The launcher's side of the init's setup messages, the same for a container's init and for an
//! exec'd process: warnings, the seccomp listener, the terminal's master, then Ready or Failed.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use super::console_socket;
use super::hooks::RuntimeHooks;
use super::seccomp_listener::Listener;
use super::LaunchError;
use crate::init::channel::{Channel, ChannelError};
use crate::init::protocol::{FromInit, ToInit};
use crate::sys::pidfd;

/// What the launcher does with what the init hands it.
#[derive(Default)]
pub(super) struct Handlers<'a> {
    /// Where a seccomp notification descriptor goes (SCMP_ACT_NOTIFY).
    pub listener: Option<&'a Listener>,
    /// `--console-socket`: where the terminal's master goes; without one the caller keeps it.
    pub console_socket: Option<&'a Path>,
    /// prestart and createRuntime, run when the init asks (a container's init only).
    pub runtime_hooks: Option<&'a RuntimeHooks>,
}

/// What the setup left the launcher with.
#[derive(Default)]
pub struct Ready {
    /// What the init could not apply and went on without.
    pub warnings: Vec<String>,
    /// The terminal's master, when there was no console socket to send it to.
    pub console: Option<OwnedFd>,
}

/// Reads the init's messages until it is ready. `pid`/`pidfd` are the process being set up (a
/// child of this process), reaped if it dies on the way.
pub(super) fn until_ready(
    channel: &mut Channel,
    pid: i32,
    pidfd: BorrowedFd<'_>,
    handlers: &Handlers<'_>,
) -> Result<Ready, LaunchError> {
    let mut ready = Ready::default();
    loop {
        match channel.recv::<FromInit>() {
            Ok(FromInit::Warning { message }) => ready.warnings.push(message),
            Ok(FromInit::SeccompListener) => {
                let fd = take_fd(channel, "a seccomp listener")?;
                let listener = handlers
                    .listener
                    .ok_or_else(|| LaunchError::Unexpected("a seccomp listener nobody asked for".into()))?;
                listener.send(pid, fd.as_fd())?;
            }
            Ok(FromInit::Console) => {
                let master = take_fd(channel, "a terminal")?;
                match handlers.console_socket {
                    Some(path) => console_socket::send_master(path, master.as_fd())?,
                    None => ready.console = Some(master),
                }
            }
            Ok(FromInit::RuntimeHooks) => {
                let hooks = handlers
                    .runtime_hooks
                    .ok_or_else(|| LaunchError::Unexpected("a request for runtime hooks in an exec".into()))?;
                hooks.run(pid)?;
                channel.send(&ToInit::RuntimeHooksDone)?;
            }
            Ok(FromInit::Ready) => return Ok(ready),
            Ok(FromInit::Failed(f)) => return Err(LaunchError::Init(f)),
            Ok(other) => return Err(LaunchError::Unexpected(format!("{other:?}"))),
            Err(ChannelError::Closed) => {
                let status = pidfd::wait_child(pidfd).map(|s| s.code()).unwrap_or(-1);
                return Err(LaunchError::InitExited(status));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn take_fd(channel: &mut Channel, what: &str) -> Result<OwnedFd, LaunchError> {
    channel.take_fd().ok_or_else(|| LaunchError::Unexpected(format!("{what} without its descriptor")))
}

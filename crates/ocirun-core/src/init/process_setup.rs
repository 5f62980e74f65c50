//! The steps the container's init and an exec'd process share: the terminal, scheduling, the
//! LSM exec labels, the user and capability switch, seccomp, and the final exec.

use std::os::fd::AsFd;

use super::channel::Channel;
use super::protocol::{Failure, FromInit, Step, StepError};
use super::protocol_failure;
use crate::process::{caps, exec, ioprio, mempolicy, scheduler, user, ProcessError};
use crate::seccomp::{self, Filter};
use crate::spec::{MemoryPolicy, Process};
use crate::sys::{caps as syscaps, process as sysproc, Errno};
use crate::terminal;

pub(super) fn failed(e: impl StepError) -> Failure {
    e.to_failure()
}

pub(super) fn warn(ch: &mut Channel, message: &str) -> Result<(), Failure> {
    ch.send(&FromInit::Warning { message: message.to_string() }).map_err(protocol_failure)
}

/// Whether the pseudoterminal's slave is also bound on /dev/console (the container's init) or
/// not (an exec'd process, which shares the init's console).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Console {
    Bind,
    Leave,
}

/// process.terminal: makes a pseudoterminal in the container's devpts, hands its master to the
/// launcher, and makes the slave this process's stdio and controlling terminal.
pub(super) fn setup_terminal(ch: &mut Channel, p: &Process, console: Console) -> Result<(), Failure> {
    if !p.terminal {
        return Ok(());
    }
    let pty = terminal::open_pty(p.console_size).map_err(failed)?;
    if console == Console::Bind {
        terminal::bind_console(&pty.slave).map_err(failed)?;
    }
    ch.send_with_fd(&FromInit::Console, pty.master.as_fd()).map_err(protocol_failure)?;
    drop(pty.master);
    terminal::become_session_leader(pty.slave).map_err(failed)
}

/// Loads the filter and hands its notification descriptor, if any, to the launcher at once:
/// a notified syscall of the init's blocks until the agent has it.
pub(super) fn load_seccomp(ch: &mut Channel, filter: Option<&Filter>) -> Result<(), Failure> {
    let Some(filter) = filter else { return Ok(()) };
    if let Some(listener) = seccomp::load(filter).map_err(failed)? {
        ch.send_with_fd(&FromInit::SeccompListener, listener.as_fd()).map_err(protocol_failure)?;
    }
    Ok(())
}

/// Where runc loads the filter: without no_new_privs, loading takes CAP_SYS_ADMIN, so before
/// the user and capabilities change; with it, as late as possible, so that the profile has few
/// of the init's own syscalls to allow (README: what a profile must allow). Returns the filter
/// to load early and the one to load late.
pub(super) fn seccomp_placement<'a>(
    p: &Process,
    filter: Option<&'a Filter>,
) -> (Option<&'a Filter>, Option<&'a Filter>) {
    match filter {
        Some(f) if p.no_new_privileges => (None, Some(f)),
        other => (other, None),
    }
}

/// I/O priority, scheduler and memory policy, set while the process still has the privileges
/// the real-time classes need; the program inherits them.
pub(super) fn apply_scheduling(p: &Process, memory_policy: Option<&MemoryPolicy>) -> Result<(), Failure> {
    if let Some(io) = &p.io_priority {
        ioprio::apply(io).map_err(failed)?;
    }
    if let Some(s) = &p.scheduler {
        scheduler::apply(s).map_err(failed)?;
    }
    if let Some(m) = memory_policy {
        mempolicy::apply(m).map_err(failed)?;
    }
    Ok(())
}

/// The order runc uses: bounding set (needs CAP_SETPCAP), keepcaps, user switch, working
/// directory (as the user when root could not enter it), then the capability sets and
/// no_new_privs.
pub(super) fn become_user(ch: &mut Channel, p: &Process, caller_umask: u32) -> Result<(), Failure> {
    let last_cap = syscaps::last_cap();
    let resolved = match &p.capabilities {
        Some(c) => {
            let grantable = syscaps::capget().map(|s| s.permitted).unwrap_or(0);
            let r = caps::resolve(c, grantable, last_cap);
            for w in &r.warnings {
                warn(ch, w)?;
            }
            caps::apply_bounding(&r, last_cap).map_err(failed)?;
            Some(r)
        }
        None => None,
    };
    let early_cwd = exec::enter_cwd(&p.cwd);
    caps::keep_caps_across_setuid(true).map_err(failed)?;
    user::switch_user(&p.user).map_err(failed)?;
    if let Err(e) = early_cwd {
        match e {
            ProcessError::Chdir { errno: Errno::EACCES, .. } | ProcessError::Chdir { errno: Errno::EPERM, .. } => {
                exec::enter_cwd(&p.cwd).map_err(failed)?
            }
            other => return Err(failed(other)),
        }
    }
    caps::keep_caps_across_setuid(false).map_err(failed)?;
    sysproc::umask(p.user.umask.unwrap_or(caller_umask));
    if let Some(r) = &resolved {
        for w in caps::apply_sets(r).map_err(failed)? {
            warn(ch, &w)?;
        }
    }
    if p.no_new_privileges {
        sysproc::set_no_new_privs().map_err(|errno| failed(ProcessError::NoNewPrivileges { errno }))?;
    }
    Ok(())
}

/// The process with the runtime's additions to its environment (LISTEN_FDS, NOTIFY_SOCKET):
/// later entries win, as with execve's own lookups.
pub(super) fn with_extra_env(p: &Process, extra: &[String]) -> Process {
    let mut p = p.clone();
    for e in extra {
        let key = e.split('=').next().unwrap_or("");
        p.env.retain(|old| old.split('=').next() != Some(key));
        p.env.push(e.clone());
    }
    p
}

/// A failure of the program's execve, for a launcher that still listens (exec).
pub(super) fn exec_failure(path: &std::ffi::CStr, errno: Errno) -> Failure {
    Failure { step: Step::Exec, errno: Some(crate::sys::errno_name(errno)), detail: format!("exec {:?}", path) }
}

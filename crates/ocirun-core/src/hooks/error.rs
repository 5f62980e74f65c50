//! How a hook failed, named by its kind, its index in the config's array and its path, as
//! `createRuntime hook #0 (/usr/bin/foo) exited with status 3: <its stderr>`.

use std::fmt;

use crate::init::protocol::{Step, StepError};
use crate::spec::HookKind;
use crate::sys::Errno;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookFailure {
    #[error("could not be executed")]
    Exec(#[source] Errno),
    #[error("has a NUL byte in its path, args or env")]
    NulByte,
    #[error("exited with status {status}{}", said(output))]
    Exited { status: i32, output: String },
    #[error("was killed by signal {}{}", signal_name(*signal), said(output))]
    Signaled { signal: i32, output: String },
    #[error("did not finish within its timeout of {seconds}s and was killed{}", said(output))]
    TimedOut { seconds: u64, output: String },
    /// Running it failed on the runtime's side (a pipe, the wait).
    #[error("could not be run: {what}")]
    System {
        what: &'static str,
        #[source]
        errno: Errno,
    },
}

/// What the hook printed, after the message.
fn said(output: &str) -> String {
    if output.is_empty() {
        String::new()
    } else {
        format!(": {output}")
    }
}

fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGSYS => "SIGSYS",
        libc::SIGXCPU => "SIGXCPU",
        _ => return signal.to_string(),
    };
    format!("{signal} ({name})")
}

/// A hook that failed, and which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookError {
    pub kind: HookKind,
    /// Its index in the config's array for its kind (hooks.createRuntime[index]).
    pub index: usize,
    pub path: String,
    pub failure: HookFailure,
}

impl fmt::Display for HookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} hook #{} ({}) {}", self.kind.name(), self.index, self.path, self.failure)
    }
}

impl std::error::Error for HookError {
    // The failure is part of this error's own text; what lies behind it (an errno) is the source.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.failure)
    }
}

impl StepError for HookError {
    fn step(&self) -> Step {
        match self.kind {
            HookKind::Prestart => Step::PrestartHook,
            HookKind::CreateRuntime => Step::CreateRuntimeHook,
            HookKind::CreateContainer => Step::CreateContainerHook,
            HookKind::StartContainer => Step::StartContainerHook,
            HookKind::Poststart => Step::PoststartHook,
            HookKind::Poststop => Step::PoststopHook,
        }
    }

    fn errno(&self) -> Option<Errno> {
        match self.failure {
            HookFailure::Exec(errno) | HookFailure::System { errno, .. } => Some(errno),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(failure: HookFailure) -> HookError {
        HookError { kind: HookKind::CreateRuntime, index: 1, path: "/usr/bin/foo".into(), failure }
    }

    #[test]
    fn the_message_names_kind_index_path_and_what_happened() {
        let e = error(HookFailure::Exited { status: 3, output: "no network".into() });
        assert_eq!(e.to_string(), "createRuntime hook #1 (/usr/bin/foo) exited with status 3: no network");
        let e = error(HookFailure::Signaled { signal: libc::SIGKILL, output: String::new() });
        assert_eq!(e.to_string(), "createRuntime hook #1 (/usr/bin/foo) was killed by signal 9 (SIGKILL)");
        let e = error(HookFailure::TimedOut { seconds: 2, output: String::new() });
        assert_eq!(
            e.to_string(),
            "createRuntime hook #1 (/usr/bin/foo) did not finish within its timeout of 2s and was killed"
        );
    }

    #[test]
    fn an_exec_failure_keeps_its_errno_for_the_step() {
        let e = error(HookFailure::Exec(Errno::ENOENT));
        let f = e.to_failure();
        assert_eq!((f.step, f.errno.as_deref()), (Step::CreateRuntimeHook, Some("ENOENT")));
        assert_eq!(f.to_string(), "createRuntime hook #1 (/usr/bin/foo) could not be executed: ENOENT");
    }
}

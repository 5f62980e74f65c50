//! The spec's hooks (config.md, POSIX-platform hooks), run at the lifecycle's points:
//!
//! | kind            | run by                 | namespaces | when                                   | state       |
//! |-----------------|------------------------|------------|----------------------------------------|-------------|
//! | prestart        | launcher (runtime)     | runtime    | mounts done, before pivot_root         | creating, host pid |
//! | createRuntime   | launcher (runtime)     | runtime    | after prestart                         | creating, host pid |
//! | createContainer | the container's init   | container  | after createRuntime, before pivot_root | creating, its pid inside |
//! | startContainer  | the container's init   | container  | `start` opened exec.fifo, before execve | created, its pid inside |
//! | poststart       | runtime (`start`)      | runtime    | after the init was released            | running, host pid |
//! | poststop        | runtime (`delete`)     | runtime    | after the container's resources went   | stopped, no pid |
//!
//! Each hook gets the state as JSON on stdin, its own argv and environment, and its output is
//! captured for the error message. A failure of any kind but poststop stops the operation; a
//! poststop failure is a warning and the next hook runs.

mod error;
mod process;
mod state;

use std::ffi::CString;
use std::time::Duration;

pub use error::{HookError, HookFailure};
pub use state::{State, Status};

use crate::spec::{Hook, HookKind};
use crate::sys::pidfd::ExitStatus;
use process::{Command, Finished};

/// How much of a hook's output goes into its error message (the end of it, where the reason
/// usually is).
const MESSAGE_OUTPUT: usize = 2048;

/// Runs `hooks` of `kind` in their order, each with `state` on stdin and, when it has no `env`
/// of its own, `default_env`. Returns the failures that are only warnings (poststop's), or the
/// first failure of any other kind, after which no later hook runs.
pub fn run(kind: HookKind, hooks: &[Hook], state: &State, default_env: &[String]) -> Result<Vec<HookError>, HookError> {
    let stdin = state.to_json();
    let mut warnings = Vec::new();
    for (index, hook) in hooks.iter().enumerate() {
        if let Err(failure) = run_one(hook, &stdin, default_env) {
            let e = HookError { kind, index, path: hook.path.clone(), failure };
            if kind != HookKind::Poststop {
                return Err(e);
            }
            warnings.push(e);
        }
    }
    Ok(warnings)
}

fn cstrings(items: &[String]) -> Result<Vec<CString>, HookFailure> {
    items.iter().map(|s| CString::new(s.as_str()).map_err(|_| HookFailure::NulByte)).collect()
}

fn run_one(hook: &Hook, stdin: &[u8], default_env: &[String]) -> Result<(), HookFailure> {
    let path = CString::new(hook.path.as_str()).map_err(|_| HookFailure::NulByte)?;
    // As execve's argv; without args, argv is the path alone (as os/exec gives runc's hooks).
    let argv = match hook.args.as_deref() {
        Some(args) if !args.is_empty() => cstrings(args)?,
        _ => vec![path.clone()],
    };
    let env = cstrings(hook.env.as_deref().unwrap_or(default_env))?;
    let timeout = hook.timeout.map(Duration::from_secs);
    let finished = process::run(&Command { path: &path, argv: &argv, env: &env, stdin, timeout })?;
    let output = said(&finished);
    match finished.status {
        Some(ExitStatus::Exited(0)) => Ok(()),
        Some(ExitStatus::Exited(status)) => Err(HookFailure::Exited { status, output }),
        Some(ExitStatus::Signaled(signal)) => Err(HookFailure::Signaled { signal, output }),
        None => Err(HookFailure::TimedOut { seconds: hook.timeout.unwrap_or_default(), output }),
    }
}

/// What the hook said: its stderr, or its stdout when stderr is empty, trimmed, and cut to its
/// end when long.
fn said(f: &Finished) -> String {
    let bytes = if f.stderr.iter().any(|b| !b.is_ascii_whitespace()) { &f.stderr } else { &f.stdout };
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let chars = text.chars().count();
    if chars <= MESSAGE_OUTPUT {
        return text.to_string();
    }
    let tail: String = text.chars().skip(chars - MESSAGE_OUTPUT).collect();
    format!("...{tail}")
}

#[cfg(test)]
mod tests;

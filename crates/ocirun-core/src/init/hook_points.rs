//! The init's part in the spec's hooks: the stop where the launcher runs prestart and
//! createRuntime, and the two kinds the init runs itself, in the container's namespaces.

use std::os::fd::{AsFd, OwnedFd};

use super::channel::Channel;
use super::protocol::{Failure, FromInit, InitOptions, StepError, ToInit};
use super::protocol_failure;
use crate::hooks::{self, State, Status};
use crate::spec::{HookKind, Spec};
use crate::sys::{fs as sysfs, process};

/// After the mounts, before pivot_root: the launcher runs the prestart and createRuntime hooks
/// (in the runtime's namespaces) while the init waits, then the init runs createContainer's.
pub fn before_pivot(ch: &mut Channel, spec: &Spec, opts: &InitOptions) -> Result<(), Failure> {
    let Some(hooks) = &spec.hooks else { return Ok(()) };
    if !hooks.prestart.is_empty() || !hooks.create_runtime.is_empty() {
        ch.send(&FromInit::RuntimeHooks).map_err(protocol_failure)?;
        match ch.recv::<ToInit>().map_err(protocol_failure)? {
            ToInit::RuntimeHooksDone => {}
            other => return Err(protocol_failure(format!("expected runtimeHooksDone, got {other:?}"))),
        }
    }
    run_here(HookKind::CreateContainer, Status::Creating, spec, opts)
}

/// After `start` opened exec.fifo and got its byte, right before the exec. A failure goes
/// back to `start` on exec.fifo, which it reads to the end (the exec closes it).
pub fn start_container(spec: &Spec, opts: &InitOptions, fifo: &OwnedFd) -> Result<(), Failure> {
    let result = run_here(HookKind::StartContainer, Status::Created, spec, opts);
    if let Err(f) = &result {
        // Should `start` be gone, the init still fails; the exit tells.
        let _ = sysfs::write_all(fifo.as_fd(), &serde_json::to_vec(f).unwrap_or_default());
    }
    result
}

/// Runs the hooks of `kind` from the init, with its pid as the container sees it. A hook
/// without an env of its own gets the container process's, as runc's init gives it.
fn run_here(kind: HookKind, status: Status, spec: &Spec, opts: &InitOptions) -> Result<(), Failure> {
    let list = spec.hooks.as_ref().map_or(&[][..], |h| h.of(kind));
    if list.is_empty() {
        return Ok(());
    }
    let state = State::new(&opts.id, opts.bundle.clone(), spec.annotations.clone()).at(status, Some(process::getpid()));
    let env = spec.process.as_ref().map_or(&[][..], |p| p.env.as_slice());
    hooks::run(kind, list, &state, env).map(drop).map_err(|e| e.to_failure())
}

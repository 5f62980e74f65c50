//! The hooks the runtime's commands run themselves: poststart (`start`) and poststop
//! (`delete`), on a worker thread or, for the CLI, on the calling one.

use std::collections::HashMap;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use ocirun_core::hooks::{self, State, Status};
use ocirun_core::launcher::LaunchError;
use ocirun_core::spec::{Hook, HookKind};

use crate::failure::{failure, NativeFailure};
use crate::task::{blocking, Blocking};

/// What the hooks read of the container (the rest of the spec's state follows from the kind).
#[napi(object)]
pub struct HookState {
    pub id: String,
    /// The init's pid as the runtime sees it; absent once the container is stopped.
    pub pid: Option<i32>,
    pub bundle: String,
    pub annotations: HashMap<String, String>,
}

#[napi(object)]
pub struct HooksResult {
    /// The first failure of a poststart hook (no later one ran).
    pub failure: Option<NativeFailure>,
    /// The failures of poststop hooks, which the spec makes warnings.
    pub warnings: Vec<String>,
}

fn unexpected(what: String) -> HooksResult {
    HooksResult { failure: Some(failure(LaunchError::Unexpected(what))), warnings: vec![] }
}

fn run(kind: &str, hooks: &str, state: HookState, env: &[String]) -> HooksResult {
    let (kind, status) = match kind {
        "poststart" => (HookKind::Poststart, Status::Running),
        "poststop" => (HookKind::Poststop, Status::Stopped),
        other => return unexpected(format!("{other:?} as a kind of hook the runtime runs")),
    };
    let list: Vec<Hook> = match serde_json::from_str(hooks) {
        Ok(list) => list,
        Err(e) => return failure_of(LaunchError::Config(e)),
    };
    let state =
        State::new(&state.id, state.bundle.into(), state.annotations.into_iter().collect()).at(status, state.pid);
    match hooks::run(kind, &list, &state, env) {
        Ok(warnings) => HooksResult { failure: None, warnings: warnings.iter().map(|w| w.to_string()).collect() },
        Err(e) => failure_of(LaunchError::Hook(e)),
    }
}

fn failure_of(e: LaunchError) -> HooksResult {
    HooksResult { failure: Some(failure(e)), warnings: vec![] }
}

/// Runs the config's hooks of `kind` (their JSON array) in order, with the state on stdin;
/// `env` is the environment of a hook that has no env of its own.
#[napi(
    ts_args_type = "kind: 'poststart' | 'poststop', hooks: string, state: HookState, env: Array<string>",
    ts_return_type = "Promise<HooksResult>"
)]
pub fn run_hooks(kind: String, hooks: String, state: HookState, env: Vec<String>) -> AsyncTask<Blocking<HooksResult>> {
    blocking(move || run(&kind, &hooks, state, &env))
}

/// runHooks, blocking the calling thread (for the CLI).
#[napi(ts_args_type = "kind: 'poststart' | 'poststop', hooks: string, state: HookState, env: Array<string>")]
pub fn run_hooks_sync(kind: String, hooks: String, state: HookState, env: Vec<String>) -> HooksResult {
    run(&kind, &hooks, state, &env)
}

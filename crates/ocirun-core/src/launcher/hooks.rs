//! The hooks the launcher runs while it drives the init: prestart and createRuntime, in the
//! runtime's namespaces, when the init reports its mounts done (FromInit::RuntimeHooks).

use crate::hooks::{self, HookError, State, Status};
use crate::init::protocol::InitOptions;
use crate::spec::{Hook, HookKind, Spec};

#[derive(Debug, Clone, Default)]
pub struct RuntimeHooks {
    prestart: Vec<Hook>,
    create_runtime: Vec<Hook>,
    state: Option<State>,
    /// The environment of a hook without an env of its own (runc gives it runc's).
    env: Vec<String>,
}

impl RuntimeHooks {
    pub fn of(spec: &Spec, options: &InitOptions, env: Vec<String>) -> RuntimeHooks {
        let Some(hooks) = &spec.hooks else { return RuntimeHooks::default() };
        RuntimeHooks {
            prestart: hooks.prestart.clone(),
            create_runtime: hooks.create_runtime.clone(),
            state: Some(State::new(&options.id, options.bundle.clone(), spec.annotations.clone())),
            env,
        }
    }

    /// Runs prestart's hooks, then createRuntime's, for the container init at `pid` (as the
    /// runtime sees it), stopping at the first failure.
    pub fn run(&self, pid: i32) -> Result<(), HookError> {
        let Some(state) = &self.state else { return Ok(()) };
        let state = state.at(Status::Creating, Some(pid));
        hooks::run(HookKind::Prestart, &self.prestart, &state, &self.env)?;
        hooks::run(HookKind::CreateRuntime, &self.create_runtime, &state, &self.env)?;
        Ok(())
    }
}

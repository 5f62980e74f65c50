//! `hooks`: programs the runtime runs at points of the container's lifecycle (config.md, POSIX
//! platform hooks). [`crate::hooks`] runs them.

use serde::{Deserialize, Serialize};

/// The six kinds, in the order of the lifecycle. Their serde names are the spec's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum HookKind {
    /// Deprecated by the spec, still run: in the runtime namespace, before createRuntime.
    Prestart,
    CreateRuntime,
    CreateContainer,
    StartContainer,
    Poststart,
    Poststop,
}

impl HookKind {
    /// The spec's name ("createRuntime"), for messages.
    pub fn name(self) -> &'static str {
        match self {
            HookKind::Prestart => "prestart",
            HookKind::CreateRuntime => "createRuntime",
            HookKind::CreateContainer => "createContainer",
            HookKind::StartContainer => "startContainer",
            HookKind::Poststart => "poststart",
            HookKind::Poststop => "poststop",
        }
    }
}

/// One hook: an absolute path, execve's argv and environment, and a timeout in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Hook {
    pub path: String,
    /// argv, args[0] included; absent, argv is just the path.
    #[serde(default)]
    pub args: Option<Vec<String>>,
    /// The whole environment; absent, the hook gets the environment its runner chooses.
    #[serde(default)]
    pub env: Option<Vec<String>>,
    #[serde(default)]
    pub timeout: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hooks {
    #[serde(default)]
    pub prestart: Vec<Hook>,
    #[serde(default)]
    pub create_runtime: Vec<Hook>,
    #[serde(default)]
    pub create_container: Vec<Hook>,
    #[serde(default)]
    pub start_container: Vec<Hook>,
    #[serde(default)]
    pub poststart: Vec<Hook>,
    #[serde(default)]
    pub poststop: Vec<Hook>,
}

impl Hooks {
    pub fn of(&self, kind: HookKind) -> &[Hook] {
        match kind {
            HookKind::Prestart => &self.prestart,
            HookKind::CreateRuntime => &self.create_runtime,
            HookKind::CreateContainer => &self.create_container,
            HookKind::StartContainer => &self.start_container,
            HookKind::Poststart => &self.poststart,
            HookKind::Poststop => &self.poststop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_have_the_spec_names() {
        for kind in [HookKind::Prestart, HookKind::CreateRuntime, HookKind::StartContainer, HookKind::Poststop] {
            assert_eq!(serde_json::to_value(kind).expect("serialise"), kind.name());
        }
    }

    #[test]
    fn a_config_hooks_section_reads_by_kind() {
        let hooks: Hooks = serde_json::from_value(serde_json::json!({
            "createRuntime": [{ "path": "/bin/a", "args": ["a", "-x"], "env": ["K=V"], "timeout": 5 }],
            "poststop": [{ "path": "/bin/b" }]
        }))
        .expect("hooks");
        let a = &hooks.of(HookKind::CreateRuntime)[0];
        assert_eq!((a.path.as_str(), a.timeout), ("/bin/a", Some(5)));
        assert_eq!(a.args.as_deref(), Some(&["a".to_string(), "-x".to_string()][..]));
        assert_eq!(hooks.of(HookKind::Poststop)[0].args, None);
        assert!(hooks.of(HookKind::Prestart).is_empty());
    }
}

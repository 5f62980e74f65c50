//! The lists `ocirun features` prints, from ocirun-core's tables (see ocirun_core::features).

use napi_derive::napi;
use ocirun_core::features;

#[napi(object)]
pub struct FeatureTables {
    pub hooks: Vec<String>,
    pub mount_options: Vec<String>,
    pub namespaces: Vec<String>,
    pub capabilities: Vec<String>,
    pub seccomp_actions: Vec<String>,
    pub seccomp_operators: Vec<String>,
    pub seccomp_archs: Vec<String>,
    pub seccomp_known_flags: Vec<String>,
    /// The known flags this kernel takes.
    pub seccomp_supported_flags: Vec<String>,
    pub memory_policy_modes: Vec<String>,
    pub memory_policy_flags: Vec<String>,
}

/// The names ocirun's parsers recognise, by the features structure's lists.
#[napi]
pub fn feature_tables() -> FeatureTables {
    let t = features::tables();
    FeatureTables {
        hooks: t.hooks,
        mount_options: t.mount_options,
        namespaces: t.namespaces,
        capabilities: t.capabilities,
        seccomp_actions: t.seccomp_actions,
        seccomp_operators: t.seccomp_operators,
        seccomp_archs: t.seccomp_archs,
        seccomp_known_flags: t.seccomp_known_flags,
        seccomp_supported_flags: t.seccomp_supported_flags,
        memory_policy_modes: t.memory_policy_modes,
        memory_policy_flags: t.memory_policy_flags,
    }
}

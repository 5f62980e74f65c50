//! What `ocirun features` lists (the spec's features.md), read from the tables the parsers use
//! rather than typed again: an enum's names from its serde derive, the mount options and the
//! capabilities from their parsers' tables. The lists are what ocirun recognises; what it
//! recognises but refuses for now is left out by the caller, which knows those rules.

use crate::process::caps;
use crate::rootfs::MountOptions;
use crate::seccomp;
use crate::spec::names::variant_names;
use crate::spec::seccomp::{Action, Arch, Flag, Operator};
use crate::spec::{HookKind, MemoryPolicyFlag, MemoryPolicyMode, NamespaceType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub hooks: Vec<String>,
    pub mount_options: Vec<String>,
    pub namespaces: Vec<String>,
    pub capabilities: Vec<String>,
    pub seccomp_actions: Vec<String>,
    pub seccomp_operators: Vec<String>,
    pub seccomp_archs: Vec<String>,
    pub seccomp_known_flags: Vec<String>,
    /// The known flags this kernel takes (the only list that depends on the host).
    pub seccomp_supported_flags: Vec<String>,
    pub memory_policy_modes: Vec<String>,
    pub memory_policy_flags: Vec<String>,
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

pub fn tables() -> Tables {
    let known_flags = variant_names::<Flag>();
    let supported_flags = known_flags
        .iter()
        .filter(|n| serde_json::from_value::<Flag>(serde_json::json!(n)).is_ok_and(seccomp::flag_supported));
    Tables {
        hooks: owned(variant_names::<HookKind>()),
        mount_options: MountOptions::recognised(),
        namespaces: owned(variant_names::<NamespaceType>()),
        capabilities: owned(caps::all_names()),
        seccomp_actions: owned(variant_names::<Action>()),
        seccomp_operators: owned(variant_names::<Operator>()),
        seccomp_archs: owned(variant_names::<Arch>()),
        seccomp_known_flags: owned(known_flags),
        seccomp_supported_flags: supported_flags.map(|n| n.to_string()).collect(),
        memory_policy_modes: owned(variant_names::<MemoryPolicyMode>()),
        memory_policy_flags: owned(variant_names::<MemoryPolicyFlag>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_is_filled_from_its_table() {
        let t = tables();
        assert_eq!(t.hooks.len(), 6);
        assert!(t.namespaces.contains(&"time".to_string()));
        assert_eq!(t.capabilities.first().map(String::as_str), Some("CAP_CHOWN"));
        assert_eq!(t.seccomp_actions.len(), 9);
        assert_eq!(t.seccomp_operators.len(), 7);
        assert!(t.seccomp_archs.contains(&"SCMP_ARCH_X32".to_string()));
        assert!(t.seccomp_supported_flags.iter().all(|f| t.seccomp_known_flags.contains(f)));
        assert!(t.seccomp_supported_flags.contains(&"SECCOMP_FILTER_FLAG_TSYNC".to_string()));
        assert!(t.memory_policy_modes.contains(&"MPOL_WEIGHTED_INTERLEAVE".to_string()));
        assert!(t.mount_options.contains(&"rbind".to_string()));
    }
}

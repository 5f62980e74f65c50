//! linux.memoryPolicy: set_mempolicy(2) for the container's process, whose children inherit it.

use std::collections::BTreeSet;

use super::affinity::bitmask;
use super::attr_error::InvalidSetting;
use super::AttributeError;
use crate::cgroups::validate::parse_list;
use crate::spec::{MemoryPolicy, MemoryPolicyFlag, MemoryPolicyMode};
use crate::sys::sched;

fn mode_number(m: MemoryPolicyMode) -> i32 {
    match m {
        MemoryPolicyMode::Default => 0,
        MemoryPolicyMode::Preferred => 1,
        MemoryPolicyMode::Bind => 2,
        MemoryPolicyMode::Interleave => 3,
        MemoryPolicyMode::Local => 4,
        MemoryPolicyMode::PreferredMany => 5,
        MemoryPolicyMode::WeightedInterleave => 6,
    }
}

fn flag_bit(f: MemoryPolicyFlag) -> i32 {
    match f {
        MemoryPolicyFlag::StaticNodes => 1 << 15,
        MemoryPolicyFlag::RelativeNodes => 1 << 14,
        MemoryPolicyFlag::NumaBalancing => 1 << 13,
    }
}

/// The nodes of the policy (empty when none are given).
pub fn nodes(p: &MemoryPolicy) -> Result<BTreeSet<u32>, InvalidSetting> {
    let text = p.nodes.as_deref().unwrap_or("");
    parse_list(text).ok_or_else(|| {
        InvalidSetting::new("linux.memoryPolicy.nodes", format!("{text:?} is not a node list like \"0-3,7\""))
    })
}

/// set_mempolicy's mode argument: the mode with its flags.
pub fn mode_with_flags(p: &MemoryPolicy) -> i32 {
    p.flags.iter().fold(mode_number(p.mode), |acc, f| acc | flag_bit(*f))
}

/// What set_mempolicy(2) documents as invalid, and nodes this host does not have (`online`
/// is None on kernels without NUMA, which have no memory policies at all).
pub fn validate(p: &MemoryPolicy, online: Option<&BTreeSet<u32>>) -> Result<(), InvalidSetting> {
    let invalid = |field: &str, reason: String| InvalidSetting::new(format!("linux.memoryPolicy.{field}"), reason);
    let Some(online) = online else {
        return Err(invalid("mode", "this kernel has no NUMA support, so no memory policies".into()));
    };
    let nodes = nodes(p)?;
    let needs_nodes = matches!(
        p.mode,
        MemoryPolicyMode::Bind
            | MemoryPolicyMode::Interleave
            | MemoryPolicyMode::PreferredMany
            | MemoryPolicyMode::WeightedInterleave
    );
    let takes_nodes = !matches!(p.mode, MemoryPolicyMode::Default | MemoryPolicyMode::Local);
    if needs_nodes && nodes.is_empty() {
        return Err(invalid("nodes", format!("{:?} needs at least one node", p.mode)));
    }
    if !takes_nodes && !nodes.is_empty() {
        return Err(invalid("nodes", format!("must be empty for {:?}", p.mode)));
    }
    let has = |f| p.flags.contains(&f);
    if has(MemoryPolicyFlag::StaticNodes) && has(MemoryPolicyFlag::RelativeNodes) {
        return Err(invalid("flags", "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other".into()));
    }
    // Relative node numbers are positions in the allowed set, not node ids.
    if !has(MemoryPolicyFlag::RelativeNodes) {
        if let Some(n) = nodes.iter().find(|n| !online.contains(n)) {
            return Err(invalid("nodes", format!("node {n} does not exist on this host")));
        }
    }
    Ok(())
}

pub fn apply(p: &MemoryPolicy) -> Result<(), AttributeError> {
    let mask = nodes(p).map(|n| bitmask(&n)).unwrap_or_default();
    sched::set_mempolicy(mode_with_flags(p), &mask).map_err(|errno| AttributeError::MemoryPolicy { errno })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(mode: MemoryPolicyMode, nodes: &str, flags: Vec<MemoryPolicyFlag>) -> MemoryPolicy {
        MemoryPolicy { mode, nodes: Some(nodes.to_string()), flags }
    }

    fn online() -> BTreeSet<u32> {
        [0].into_iter().collect()
    }

    #[test]
    fn modes_and_flags_combine_into_one_argument() {
        let p = policy(MemoryPolicyMode::Interleave, "0", vec![MemoryPolicyFlag::StaticNodes]);
        assert_eq!(mode_with_flags(&p), 3 | 1 << 15);
        assert_eq!(mode_with_flags(&policy(MemoryPolicyMode::Local, "", vec![])), 4);
    }

    #[test]
    fn bind_needs_nodes_and_local_takes_none() {
        assert_eq!(
            validate(&policy(MemoryPolicyMode::Bind, "", vec![]), Some(&online())).unwrap_err().field,
            "linux.memoryPolicy.nodes"
        );
        assert!(validate(&policy(MemoryPolicyMode::Local, "0", vec![]), Some(&online())).is_err());
        assert_eq!(validate(&policy(MemoryPolicyMode::Bind, "0", vec![]), Some(&online())), Ok(()));
        assert_eq!(validate(&policy(MemoryPolicyMode::Preferred, "", vec![]), Some(&online())), Ok(()));
    }

    #[test]
    fn nodes_the_host_lacks_are_refused_unless_relative() {
        let e = validate(&policy(MemoryPolicyMode::Bind, "0-1", vec![]), Some(&online())).unwrap_err();
        assert!(e.reason.contains("node 1"));
        let relative = policy(MemoryPolicyMode::Bind, "1", vec![MemoryPolicyFlag::RelativeNodes]);
        assert_eq!(validate(&relative, Some(&online())), Ok(()));
    }

    #[test]
    fn static_and_relative_exclude_each_other() {
        let p =
            policy(MemoryPolicyMode::Bind, "0", vec![MemoryPolicyFlag::StaticNodes, MemoryPolicyFlag::RelativeNodes]);
        assert_eq!(validate(&p, Some(&online())).unwrap_err().field, "linux.memoryPolicy.flags");
    }

    #[test]
    fn a_kernel_without_numa_has_no_policies() {
        assert!(validate(&policy(MemoryPolicyMode::Local, "", vec![]), None).is_err());
    }

    #[test]
    fn malformed_node_lists_are_refused() {
        assert_eq!(
            nodes(&policy(MemoryPolicyMode::Bind, "a-b", vec![])).unwrap_err().field,
            "linux.memoryPolicy.nodes"
        );
    }
}

//! Capabilities: names to numbers, and the five sets applied in the order the kernel needs.

use crate::spec::Capabilities;
use crate::sys::caps::{self as syscaps, CapSets};
use crate::sys::process;

use super::ProcessError;

/// Capability numbers from linux/capability.h, by the names the spec uses.
const NAMES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

pub fn number(name: &str) -> Option<u32> {
    NAMES.iter().position(|n| *n == name).map(|i| i as u32)
}

pub fn all_names() -> &'static [&'static str] {
    NAMES
}

/// The requested sets as bit masks, limited to what this process can grant; every name that
/// cannot be granted is reported (the spec asks for a warning, not a failure).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub bounding: u64,
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
    pub ambient: u64,
    pub warnings: Vec<String>,
}

pub fn resolve(caps: &Capabilities, grantable: u64, last_cap: u32) -> Resolved {
    let mut r = Resolved::default();
    let mask = |names: &Option<Vec<String>>, set: &str, warnings: &mut Vec<String>| -> u64 {
        let mut bits = 0u64;
        for name in names.iter().flatten() {
            match number(name) {
                Some(n) if n <= last_cap && grantable & (1 << n) != 0 => bits |= 1 << n,
                Some(n) if n <= last_cap => {
                    warnings.push(format!("capability {name} ({set}) cannot be granted: the runtime does not hold it"))
                }
                _ => warnings.push(format!("capability {name} ({set}) is not known to this kernel; ignored")),
            }
        }
        bits
    };
    let mut w = Vec::new();
    r.bounding = mask(&caps.bounding, "bounding", &mut w);
    r.effective = mask(&caps.effective, "effective", &mut w);
    r.permitted = mask(&caps.permitted, "permitted", &mut w);
    r.inheritable = mask(&caps.inheritable, "inheritable", &mut w);
    r.ambient = mask(&caps.ambient, "ambient", &mut w);
    w.dedup();
    r.warnings = w;
    r
}

fn cap_err(what: String) -> impl Fn(crate::sys::Errno) -> ProcessError {
    move |errno| ProcessError::Capabilities { what: what.clone(), errno }
}

/// Drops from the bounding set every capability not asked for. Needs CAP_SETPCAP, so it runs
/// before the user switch.
pub fn apply_bounding(r: &Resolved, last_cap: u32) -> Result<(), ProcessError> {
    for cap in 0..=last_cap {
        if r.bounding & (1 << cap) == 0 && syscaps::bounding_has(cap).unwrap_or(false) {
            syscaps::bounding_drop(cap).map_err(cap_err(format!("drop {} from the bounding set", name(cap))))?;
        }
    }
    Ok(())
}

/// Sets effective, permitted and inheritable, then raises the ambient ones. Runs after the
/// user switch (with keepcaps on, permitted survives it; effective is rebuilt here).
pub fn apply_sets(r: &Resolved) -> Result<Vec<String>, ProcessError> {
    syscaps::capset(CapSets { effective: r.effective, permitted: r.permitted, inheritable: r.inheritable })
        .map_err(cap_err("set the effective, permitted and inheritable capabilities".into()))?;
    let mut warnings = Vec::new();
    syscaps::ambient_clear_all().map_err(cap_err("clear the ambient capabilities".into()))?;
    for cap in 0..64u32 {
        if r.ambient & (1 << cap) != 0 {
            // A capability can only be ambient when it is permitted and inheritable too; the
            // spec treats what cannot be granted as a warning.
            if let Err(e) = syscaps::ambient_raise(cap) {
                warnings.push(format!("capability {} cannot be raised in the ambient set: {e:?}", name(cap)));
            }
        }
    }
    Ok(warnings)
}

fn name(cap: u32) -> String {
    NAMES.get(cap as usize).map(|s| s.to_string()).unwrap_or_else(|| format!("capability {cap}"))
}

pub fn keep_caps_across_setuid(keep: bool) -> Result<(), ProcessError> {
    process::set_keepcaps(keep).map_err(cap_err("set keepcaps".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(names: &[&str]) -> Option<Vec<String>> {
        Some(names.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn names_map_to_kernel_numbers() {
        assert_eq!(number("CAP_CHOWN"), Some(0));
        assert_eq!(number("CAP_SYS_ADMIN"), Some(21));
        assert_eq!(number("CAP_CHECKPOINT_RESTORE"), Some(40));
        assert_eq!(number("CAP_NOPE"), None);
    }

    #[test]
    fn a_capability_the_runtime_lacks_is_a_warning_not_a_bit() {
        let c = Capabilities { bounding: caps(&["CAP_KILL", "CAP_SYS_RESOURCE"]), ..Default::default() };
        let grantable = !(1u64 << 24);
        let r = resolve(&c, grantable, 40);
        assert_eq!(r.bounding, 1 << 5);
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("CAP_SYS_RESOURCE"));
    }

    #[test]
    fn unknown_names_are_warnings() {
        let c = Capabilities { effective: caps(&["CAP_FROM_THE_FUTURE"]), ..Default::default() };
        let r = resolve(&c, u64::MAX, 40);
        assert_eq!(r.effective, 0);
        assert!(r.warnings[0].contains("not known"));
    }
}

//! Device access rules: what the container may open (r, w) or create (m). Built from
//! linux.resources.devices, the spec's default devices and linux.devices; enforced by the v1
//! devices controller (devices.allow/deny) or, on cgroup v2, by an eBPF program.

pub mod ebpf;

use std::fmt;

use crate::spec::{Device, DeviceRule};

use super::error::{CgroupError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    All,
    Char,
    Block,
}

/// r, w, m as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Access(pub u8);

impl Access {
    pub const READ: u8 = 1;
    pub const WRITE: u8 = 2;
    pub const MKNOD: u8 = 4;
    pub const ALL: Access = Access(7);

    pub fn parse(s: &str) -> Option<Access> {
        let mut bits = 0;
        for c in s.chars() {
            bits |= match c {
                'r' => Access::READ,
                'w' => Access::WRITE,
                'm' => Access::MKNOD,
                _ => return None,
            };
        }
        Some(Access(bits))
    }

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (bit, c) in [(Access::READ, 'r'), (Access::WRITE, 'w'), (Access::MKNOD, 'm')] {
            if self.has(bit) {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// One rule. `None` numbers match any device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rule {
    pub allow: bool,
    pub kind: Kind,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub access: Access,
}

impl Rule {
    const fn allow_char(major: u32, minor: Option<u32>) -> Rule {
        Rule { allow: true, kind: Kind::Char, major: Some(major), minor, access: Access::ALL }
    }

    /// The v1 devices.allow/deny line: "c 1:3 rwm", "a *:* rwm".
    pub fn v1_line(&self) -> String {
        let kind = match self.kind {
            Kind::All => 'a',
            Kind::Char => 'c',
            Kind::Block => 'b',
        };
        let num = |n: Option<u32>| n.map_or_else(|| "*".to_string(), |n| n.to_string());
        format!("{kind} {}:{} {}", num(self.major), num(self.minor), self.access)
    }

    /// From a linux.resources.devices entry; `index` names it in errors.
    pub fn from_spec(r: &DeviceRule, index: usize) -> Result<Rule> {
        let field = || format!("devices[{index}]");
        let kind = match r.kind.as_deref() {
            None | Some("a") => Kind::All,
            Some("c") => Kind::Char,
            Some("b") => Kind::Block,
            Some(other) => return Err(CgroupError::invalid(field(), format!("unknown device type {other:?}"))),
        };
        let number = |n: Option<i64>, what: &str| -> Result<Option<u32>> {
            match n {
                None | Some(-1) => Ok(None),
                Some(n) if (0..=u32::MAX as i64).contains(&n) => Ok(Some(n as u32)),
                Some(n) => Err(CgroupError::invalid(field(), format!("{what} {n} is not a device number"))),
            }
        };
        let access = match r.access.as_deref() {
            None | Some("") => Access::ALL,
            Some(a) => Access::parse(a)
                .ok_or_else(|| CgroupError::invalid(field(), format!("access {a:?} is not made of r, w and m")))?,
        };
        Ok(Rule { allow: r.allow, kind, major: number(r.major, "major")?, minor: number(r.minor, "minor")?, access })
    }
}

/// The devices every container may use: the spec's default devices (null, zero, full,
/// random, urandom, tty), the console and ptmx, pseudo-terminals, and mknod of any device
/// (creating a node grants no access to it).
pub const DEFAULT_ALLOWED: &[Rule] = &[
    Rule { allow: true, kind: Kind::Block, major: None, minor: None, access: Access(Access::MKNOD) },
    Rule { allow: true, kind: Kind::Char, major: None, minor: None, access: Access(Access::MKNOD) },
    Rule::allow_char(1, Some(3)),
    Rule::allow_char(1, Some(5)),
    Rule::allow_char(1, Some(7)),
    Rule::allow_char(1, Some(8)),
    Rule::allow_char(1, Some(9)),
    Rule::allow_char(5, Some(0)),
    Rule::allow_char(5, Some(2)),
    Rule::allow_char(136, None),
];

/// The rules of a container, in the order they apply (a later rule overrides an earlier one
/// for the devices both match): deny everything, then the configured rules, then the
/// defaults and the devices the config creates (linux.devices), as runc orders them.
pub fn container_rules(configured: &[DeviceRule], created: &[Device]) -> Result<Vec<Rule>> {
    let mut rules = vec![Rule { allow: false, kind: Kind::All, major: None, minor: None, access: Access::ALL }];
    for (i, r) in configured.iter().enumerate() {
        rules.push(Rule::from_spec(r, i)?);
    }
    rules.extend_from_slice(DEFAULT_ALLOWED);
    for d in created {
        let kind = match d.kind.as_str() {
            "b" => Kind::Block,
            "c" | "u" => Kind::Char,
            _ => continue,
        };
        if d.major >= 0 && d.minor >= 0 {
            rules.push(Rule {
                allow: true,
                kind,
                major: Some(d.major as u32),
                minor: Some(d.minor as u32),
                access: Access::ALL,
            });
        }
    }
    Ok(rules)
}

/// Whether `rules` (applied in order, the last matching rule deciding) allow `access` to a
/// device. The reference semantics the v1 writes and the eBPF program must both implement.
pub fn allows(rules: &[Rule], kind: Kind, major: u32, minor: u32, access: u8) -> bool {
    let mut allowed = false;
    for r in rules {
        let kind_matches = r.kind == Kind::All || r.kind == kind;
        let major_matches = r.major.is_none_or(|m| m == major);
        let minor_matches = r.minor.is_none_or(|m| m == minor);
        if kind_matches && major_matches && minor_matches {
            if r.allow && r.access.0 & access == access {
                allowed = true;
            } else if !r.allow && r.access.0 & access != 0 {
                allowed = false;
            }
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_rule(allow: bool, kind: &str, major: Option<i64>, minor: Option<i64>, access: &str) -> DeviceRule {
        DeviceRule { allow, kind: Some(kind.into()), major, minor, access: Some(access.into()) }
    }

    #[test]
    fn the_defaults_allow_only_the_default_devices() {
        let rules = container_rules(&[], &[]).expect("rules");
        assert!(allows(&rules, Kind::Char, 1, 3, Access::READ | Access::WRITE));
        assert!(allows(&rules, Kind::Char, 136, 7, Access::READ));
        assert!(!allows(&rules, Kind::Block, 8, 0, Access::READ));
        assert!(!allows(&rules, Kind::Char, 10, 229, Access::READ));
        assert!(allows(&rules, Kind::Block, 8, 0, Access::MKNOD));
    }

    #[test]
    fn a_configured_rule_and_a_created_device_are_allowed() {
        let fuse = Device { kind: "c".into(), path: "/dev/fuse".into(), major: 10, minor: 229, ..Default::default() };
        let rules = container_rules(&[spec_rule(true, "b", Some(8), Some(0), "r")], &[fuse]).expect("rules");
        assert!(allows(&rules, Kind::Block, 8, 0, Access::READ));
        assert!(!allows(&rules, Kind::Block, 8, 0, Access::WRITE));
        assert!(allows(&rules, Kind::Char, 10, 229, Access::READ | Access::WRITE));
    }

    #[test]
    fn v1_lines_match_the_kernel_format() {
        let rules = container_rules(&[], &[]).expect("rules");
        assert_eq!(rules[0].v1_line(), "a *:* rwm");
        assert_eq!(rules[1].v1_line(), "b *:* m");
        assert_eq!(rules[3].v1_line(), "c 1:3 rwm");
        assert_eq!(rules[10].v1_line(), "c 136:* rwm");
    }

    #[test]
    fn bad_rules_are_named() {
        let err = container_rules(&[spec_rule(true, "x", None, None, "r")], &[]).expect_err("refused");
        assert_eq!(err.to_string(), "linux.resources.devices[0]: unknown device type \"x\"");
        let err = container_rules(&[spec_rule(true, "c", Some(1), Some(3), "rwx")], &[]).expect_err("refused");
        assert!(err.to_string().contains("access \"rwx\""));
    }
}

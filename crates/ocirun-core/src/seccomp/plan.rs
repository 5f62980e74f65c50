//! From a profile to what each ABI's part of the filter decides for each syscall number, with
//! runc's and libseccomp's rules:
//!
//! - a rule whose action equals the default action is left out;
//! - names no table knows are skipped (reported, not refused);
//! - a rule without conditions takes its syscall whole: conditional rules for the same syscall
//!   no longer matter; the first such rule wins;
//! - conditions of one rule are ANDed, except that when two of them test the same argument,
//!   each condition becomes a rule of its own (ORed), as runc does;
//! - conditional rules are tried in the profile's order, the first match wins.

use std::collections::BTreeMap;

use crate::spec::seccomp::{Action, Arg, Seccomp};

use super::action::ret_value;
use super::arch::Abi;
use super::SeccompError;

/// A syscall has six arguments.
const MAX_ARGS: u32 = 6;

/// The syscall sendmsg carries the notification descriptor from the init to the launcher right
/// after the filter is loaded; were it notified, no agent could ever answer.
const LISTENER_SYSCALL: &str = "sendmsg";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Always(u32),
    /// Rules tried in order; none matching means the default action.
    Conditional(Vec<CondRule>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondRule {
    pub args: Vec<Arg>,
    pub ret: u32,
}

/// One ABI's part of the filter.
#[derive(Debug, Clone)]
pub struct AbiPlan {
    pub abi: Abi,
    pub syscalls: BTreeMap<u32, Verdict>,
    /// The highest syscall number the profile names for this ABI, whatever the rule's action.
    pub max_named: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub default_ret: u32,
    pub abis: Vec<AbiPlan>,
    /// Names no ABI of the filter knows.
    pub unknown: Vec<String>,
    /// Whether some rule notifies a listener.
    pub notifies: bool,
}

pub fn plan(profile: &Seccomp, abis: &[Abi]) -> Result<Plan, SeccompError> {
    let default_ret = ret_value(profile.default_action, profile.default_errno_ret, "linux.seccomp.defaultErrnoRet")?;
    let mut plans: Vec<AbiPlan> =
        abis.iter().map(|&abi| AbiPlan { abi, syscalls: BTreeMap::new(), max_named: None }).collect();
    let mut unknown: Vec<String> = Vec::new();
    for (i, rule) in profile.syscalls.iter().enumerate() {
        let at = format!("linux.seccomp.syscalls[{i}]");
        let ret = ret_value(rule.action, rule.errno_ret, &format!("{at}.errnoRet"))?;
        check_rule(rule.action, &rule.names, &rule.args, &at)?;
        let conditions = split_conditions(&rule.args);
        for name in &rule.names {
            let mut known = false;
            for p in plans.iter_mut() {
                let Some(nr) = p.abi.syscall(name) else { continue };
                known = true;
                p.max_named = p.max_named.max(Some(nr));
                if ret != default_ret {
                    add(&mut p.syscalls, nr, &conditions, ret);
                }
            }
            if !known && !unknown.contains(name) {
                unknown.push(name.clone());
            }
        }
    }
    let notifies = profile.syscalls.iter().any(|r| r.action == Action::Notify);
    Ok(Plan { default_ret, abis: plans, unknown, notifies })
}

fn check_rule(action: Action, names: &[String], args: &[Arg], at: &str) -> Result<(), SeccompError> {
    if names.is_empty() {
        return Err(SeccompError::invalid(format!("{at}.names"), "must name at least one syscall"));
    }
    if action == Action::Notify && names.iter().any(|n| n == LISTENER_SYSCALL) {
        return Err(SeccompError::invalid(
            format!("{at}.action"),
            "SCMP_ACT_NOTIFY cannot be used for sendmsg: the runtime hands the listener over with it",
        ));
    }
    match args.iter().position(|a| a.index >= MAX_ARGS) {
        Some(j) => Err(SeccompError::invalid(format!("{at}.args[{j}].index"), "a syscall has six arguments, 0 to 5")),
        None => Ok(()),
    }
}

/// The rule's conditions as ORed groups of ANDed conditions.
fn split_conditions(args: &[Arg]) -> Vec<Vec<Arg>> {
    let repeats = args.iter().enumerate().any(|(i, a)| args[..i].iter().any(|b| b.index == a.index));
    if repeats {
        args.iter().map(|a| vec![*a]).collect()
    } else {
        vec![args.to_vec()]
    }
}

fn add(syscalls: &mut BTreeMap<u32, Verdict>, nr: u32, conditions: &[Vec<Arg>], ret: u32) {
    let unconditional = conditions.iter().any(|c| c.is_empty());
    match syscalls.get_mut(&nr) {
        Some(Verdict::Always(_)) => {}
        Some(Verdict::Conditional(rules)) if !unconditional => {
            rules.extend(conditions.iter().map(|args| CondRule { args: args.clone(), ret }));
        }
        _ if unconditional => {
            syscalls.insert(nr, Verdict::Always(ret));
        }
        _ => {
            let rules = conditions.iter().map(|args| CondRule { args: args.clone(), ret }).collect();
            syscalls.insert(nr, Verdict::Conditional(rules));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::seccomp::Operator;

    fn arg(index: u32, value: u64) -> Arg {
        Arg { index, value, value_two: 0, op: Operator::Equal }
    }

    #[test]
    fn conditions_on_distinct_arguments_stay_one_rule() {
        assert_eq!(split_conditions(&[arg(0, 1), arg(1, 2)]), vec![vec![arg(0, 1), arg(1, 2)]]);
    }

    #[test]
    fn conditions_sharing_an_argument_become_rules_of_their_own() {
        assert_eq!(
            split_conditions(&[arg(0, 1), arg(0, 2), arg(1, 3)]),
            vec![vec![arg(0, 1)], vec![arg(0, 2)], vec![arg(1, 3)]]
        );
    }

    #[test]
    fn an_unconditional_rule_takes_the_syscall_whole() {
        let mut s = BTreeMap::new();
        add(&mut s, 1, &[vec![arg(0, 1)]], 5);
        add(&mut s, 1, &[vec![]], 7);
        add(&mut s, 1, &[vec![arg(0, 2)]], 9);
        assert_eq!(s.get(&1), Some(&Verdict::Always(7)));
    }
}

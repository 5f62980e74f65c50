//! CPU affinity. The container's init starts with the affinity of whoever ran ocirun (taskset,
//! a pinned manager); once it is in its cgroup it widens it to every CPU, so that the kernel
//! leaves it with the cgroup's cpuset, as runc does. process.execCPUAffinity is for processes
//! executed into a running container, never its init (the spec says so); it is checked here.

use std::collections::BTreeSet;

use super::attr_error::InvalidSetting;
use super::AttributeError;
use crate::cgroups::validate::parse_list;
use crate::spec::ExecCpuAffinity;
use crate::sys::sched;

/// Enough bits for any CPU number Linux supports (NR_CPUS is at most 8192).
const MAX_CPUS: usize = 8192;

/// One bit per id, in the kernel's word order.
pub fn bitmask(ids: &BTreeSet<u32>) -> Vec<u64> {
    let words = ids.last().map_or(0, |max| *max as usize / 64 + 1);
    let mut mask = vec![0u64; words];
    for id in ids {
        mask[*id as usize / 64] |= 1 << (id % 64);
    }
    mask
}

/// Widens the affinity to all CPUs; the kernel intersects it with the cgroup's cpuset.
pub fn reset() -> Result<(), AttributeError> {
    sched::sched_setaffinity(&[u64::MAX; MAX_CPUS / 64]).map_err(|errno| AttributeError::CpuAffinity { errno })
}

/// Pins the process to the CPUs of `list` ("0-3,7"), checked before anything started.
pub fn apply_list(list: &str) -> Result<(), AttributeError> {
    let cpus = parse_list(list).unwrap_or_default();
    sched::sched_setaffinity(&bitmask(&cpus)).map_err(|errno| AttributeError::CpuAffinity { errno })
}

/// process.execCPUAffinity for an exec'd process: `initial` as it starts, before it joins the
/// container's cgroup (runc 1.2's semantics).
pub fn apply_initial(a: Option<&ExecCpuAffinity>) -> Result<(), AttributeError> {
    match a.and_then(|a| a.initial.as_deref()).filter(|l| !l.is_empty()) {
        Some(list) => apply_list(list),
        None => Ok(()),
    }
}

/// `final` once it is in the cgroup; without it, every CPU, which the kernel narrows to the
/// cgroup's cpuset (so that a pinned caller does not pin the process).
pub fn apply_final(a: Option<&ExecCpuAffinity>) -> Result<(), AttributeError> {
    match a.and_then(|a| a.final_.as_deref()).filter(|l| !l.is_empty()) {
        Some(list) => apply_list(list),
        None => reset(),
    }
}

/// Checks a CPU list against the CPUs online on this host.
pub fn check_cpus(field: &str, list: &str, online: &BTreeSet<u32>) -> Result<(), InvalidSetting> {
    let cpus = parse_list(list)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| InvalidSetting::new(field, format!("{list:?} is not a CPU list like \"0-3,7\"")))?;
    match cpus.iter().find(|c| !online.contains(c)) {
        Some(c) => Err(InvalidSetting::new(field, format!("CPU {c} is not online on this host"))),
        None => Ok(()),
    }
}

/// process.execCPUAffinity: both lists, when given, name CPUs this host has online.
pub fn validate(a: &ExecCpuAffinity, online: &BTreeSet<u32>) -> Result<(), InvalidSetting> {
    if let Some(initial) = a.initial.as_deref() {
        check_cpus("process.execCPUAffinity.initial", initial, online)?;
    }
    match a.final_.as_deref() {
        None | Some("") => Ok(()),
        Some(list) => check_cpus("process.execCPUAffinity.final", list, online),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmask_sets_one_bit_per_id() {
        assert_eq!(bitmask(&[0, 2, 64].into_iter().collect()), vec![0b101, 1]);
        assert!(bitmask(&BTreeSet::new()).is_empty());
    }

    #[test]
    fn exec_affinity_names_online_cpus() {
        let online: BTreeSet<u32> = [0, 1].into_iter().collect();
        let ok = ExecCpuAffinity { initial: Some("0".into()), final_: Some("0-1".into()) };
        assert_eq!(validate(&ok, &online), Ok(()));
        let empty_final = ExecCpuAffinity { initial: None, final_: Some(String::new()) };
        assert_eq!(validate(&empty_final, &online), Ok(()));
        let missing = ExecCpuAffinity { initial: None, final_: Some("1,5".into()) };
        let e = validate(&missing, &online).unwrap_err();
        assert_eq!(e.field, "process.execCPUAffinity.final");
        assert!(e.reason.contains("CPU 5"));
        let garbage = ExecCpuAffinity { initial: Some("1-0".into()), final_: None };
        assert_eq!(validate(&garbage, &online).unwrap_err().field, "process.execCPUAffinity.initial");
    }
}

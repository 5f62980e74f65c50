//! process.scheduler: sched_setattr(2) for the container's process, checked first the way
//! sched_setattr(2) describes its arguments.

use super::attr_error::InvalidSetting;
use super::AttributeError;
use crate::spec::{SchedFlag, SchedPolicy, Scheduler};
use crate::sys::sched::{self, SchedAttr};
use crate::sys::Errno;

/// The smallest runtime SCHED_DEADLINE accepts, in nanoseconds (1 << DL_SCALE).
const MIN_DEADLINE_RUNTIME: u64 = 1 << 10;

fn policy_number(p: SchedPolicy) -> u32 {
    match p {
        SchedPolicy::Other => 0,
        SchedPolicy::Fifo => 1,
        SchedPolicy::Rr => 2,
        SchedPolicy::Batch => 3,
        SchedPolicy::Iso => 4,
        SchedPolicy::Idle => 5,
        SchedPolicy::Deadline => 6,
    }
}

fn flag_bit(f: SchedFlag) -> u64 {
    match f {
        SchedFlag::ResetOnFork => 0x01,
        SchedFlag::Reclaim => 0x02,
        SchedFlag::DlOverrun => 0x04,
        SchedFlag::KeepPolicy => 0x08,
        SchedFlag::KeepParams => 0x10,
        SchedFlag::UtilClampMin => 0x20,
        SchedFlag::UtilClampMax => 0x40,
    }
}

/// The sched_attr the kernel gets.
pub fn to_attr(s: &Scheduler) -> SchedAttr {
    SchedAttr {
        sched_policy: policy_number(s.policy),
        sched_flags: s.flags.iter().fold(0, |acc, f| acc | flag_bit(*f)),
        sched_nice: s.nice,
        sched_priority: s.priority.max(0) as u32,
        sched_runtime: s.runtime,
        sched_deadline: s.deadline,
        sched_period: s.period,
        ..Default::default()
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> InvalidSetting {
    InvalidSetting::new(format!("process.scheduler.{field}"), reason)
}

/// runc's checks, plus the ranges the kernel enforces, so that a bad value fails `create`
/// before anything starts.
pub fn validate(s: &Scheduler) -> Result<(), InvalidSetting> {
    let realtime = matches!(s.policy, SchedPolicy::Fifo | SchedPolicy::Rr);
    if s.policy == SchedPolicy::Iso {
        return Err(invalid("policy", "SCHED_ISO is reserved and not implemented by Linux"));
    }
    if !(-20..=19).contains(&s.nice) {
        return Err(invalid("nice", format!("{} is out of range -20..19", s.nice)));
    }
    if realtime && !(1..=99).contains(&s.priority) {
        return Err(invalid("priority", format!("{} is out of range 1..99 for {:?}", s.priority, s.policy)));
    }
    if !realtime && s.priority != 0 {
        return Err(invalid("priority", "can only be set for SCHED_FIFO or SCHED_RR"));
    }
    if s.policy != SchedPolicy::Deadline {
        if s.runtime != 0 || s.deadline != 0 || s.period != 0 {
            return Err(invalid("runtime", "runtime, deadline and period can only be set for SCHED_DEADLINE"));
        }
        return Ok(());
    }
    if s.runtime < MIN_DEADLINE_RUNTIME {
        return Err(invalid("runtime", format!("must be at least {MIN_DEADLINE_RUNTIME} ns for SCHED_DEADLINE")));
    }
    if s.deadline < s.runtime {
        return Err(invalid("deadline", "must not be shorter than the runtime"));
    }
    if s.period != 0 && s.period < s.deadline {
        return Err(invalid("period", "must not be shorter than the deadline"));
    }
    Ok(())
}

pub fn apply(s: &Scheduler) -> Result<(), AttributeError> {
    sched::sched_setattr(&to_attr(s)).map_err(|errno| AttributeError::Scheduler { hint: hint(s.policy, errno), errno })
}

/// Where the kernel groups real-time tasks by cgroup, a cgroup without a real-time budget
/// refuses them: say what to set.
fn hint(policy: SchedPolicy, errno: Errno) -> &'static str {
    match (policy, errno) {
        (SchedPolicy::Fifo | SchedPolicy::Rr, Errno::EPERM) => {
            "; a real-time policy needs a budget in linux.resources.cpu.realtimeRuntime where the kernel groups real-time tasks"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched(policy: SchedPolicy) -> Scheduler {
        Scheduler { policy, nice: 0, priority: 0, flags: vec![], runtime: 0, deadline: 0, period: 0 }
    }

    #[test]
    fn policies_and_flags_encode_as_the_kernel_numbers_them() {
        let mut s = sched(SchedPolicy::Batch);
        s.nice = 7;
        s.flags = vec![SchedFlag::ResetOnFork, SchedFlag::KeepParams];
        let a = to_attr(&s);
        assert_eq!((a.sched_policy, a.sched_nice, a.sched_flags), (3, 7, 0x11));
        assert_eq!(to_attr(&sched(SchedPolicy::Idle)).sched_policy, 5);
        assert_eq!(to_attr(&sched(SchedPolicy::Deadline)).sched_policy, 6);
    }

    #[test]
    fn nice_outside_minus_20_to_19_is_refused() {
        let mut s = sched(SchedPolicy::Other);
        s.nice = 20;
        assert_eq!(validate(&s).unwrap_err().field, "process.scheduler.nice");
    }

    #[test]
    fn realtime_policies_need_a_priority_from_1_to_99() {
        let mut s = sched(SchedPolicy::Fifo);
        assert_eq!(validate(&s).unwrap_err().field, "process.scheduler.priority");
        s.priority = 10;
        assert_eq!(validate(&s), Ok(()));
        s.priority = 100;
        assert!(validate(&s).is_err());
    }

    #[test]
    fn a_priority_for_a_normal_policy_is_refused() {
        let mut s = sched(SchedPolicy::Other);
        s.priority = 5;
        assert_eq!(validate(&s).unwrap_err().field, "process.scheduler.priority");
    }

    #[test]
    fn deadline_parameters_must_be_ordered() {
        let mut s = sched(SchedPolicy::Deadline);
        s.runtime = 10_000_000;
        s.deadline = 5_000_000;
        assert_eq!(validate(&s).unwrap_err().field, "process.scheduler.deadline");
        s.deadline = 20_000_000;
        s.period = 30_000_000;
        assert_eq!(validate(&s), Ok(()));
        let mut other = sched(SchedPolicy::Other);
        other.runtime = 1;
        assert!(validate(&other).is_err());
    }

    #[test]
    fn sched_iso_is_refused() {
        assert_eq!(validate(&sched(SchedPolicy::Iso)).unwrap_err().field, "process.scheduler.policy");
    }
}

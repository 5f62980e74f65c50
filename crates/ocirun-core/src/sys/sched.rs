//! Scheduling and memory placement of the calling process: sched_setattr, ioprio_set,
//! CPU affinity, set_mempolicy, personality.

use super::{check, check_int, SysResult};

/// struct sched_attr (uapi/linux/sched/types.h), with the utilization clamps (size 56).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchedAttr {
    pub size: u32,
    pub sched_policy: u32,
    pub sched_flags: u64,
    pub sched_nice: i32,
    pub sched_priority: u32,
    pub sched_runtime: u64,
    pub sched_deadline: u64,
    pub sched_period: u64,
    pub sched_util_min: u32,
    pub sched_util_max: u32,
}

/// sched_setattr(2) for the calling thread (the init is single-threaded: the process).
pub fn sched_setattr(attr: &SchedAttr) -> SysResult<()> {
    let mut a = *attr;
    a.size = std::mem::size_of::<SchedAttr>() as u32;
    // SAFETY: a is a complete sched_attr whose size field is its size; the kernel only reads it.
    check(unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &a as *const SchedAttr, 0) }).map(drop)
}

/// ioprio_set(IOPRIO_WHO_PROCESS, 0, prio): the calling process.
pub fn ioprio_set(prio: u32) -> SysResult<()> {
    const IOPRIO_WHO_PROCESS: libc::c_long = 1;
    // SAFETY: integer arguments only.
    check(unsafe { libc::syscall(libc::SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio as libc::c_long) }).map(drop)
}

/// sched_setaffinity(2) for the calling thread; `mask` holds one bit per CPU.
pub fn sched_setaffinity(mask: &[u64]) -> SysResult<()> {
    // SAFETY: mask points to mask.len() * 8 readable bytes.
    check(unsafe { libc::syscall(libc::SYS_sched_setaffinity, 0, std::mem::size_of_val(mask), mask.as_ptr()) })
        .map(drop)
}

/// set_mempolicy(2): `mode` includes the MPOL_F_* flags; `nodes` holds one bit per node.
pub fn set_mempolicy(mode: i32, nodes: &[u64]) -> SysResult<()> {
    let (ptr, maxnode) = if nodes.is_empty() { (std::ptr::null(), 0) } else { (nodes.as_ptr(), nodes.len() * 64) };
    // SAFETY: ptr is null or points to nodes.len() words, and maxnode counts their bits.
    check(unsafe { libc::syscall(libc::SYS_set_mempolicy, mode, ptr, maxnode) }).map(drop)
}

/// personality(2); returns the previous persona.
pub fn personality(persona: u32) -> SysResult<u32> {
    // SAFETY: personality takes an integer.
    check_int(unsafe { libc::personality(persona as libc::c_ulong) }).map(|p| p as u32)
}

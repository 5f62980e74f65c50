//! Capability syscalls: capget/capset for the effective, permitted and inheritable sets, and the
//! prctl calls for the bounding and ambient sets.

use super::{check, check_int, SysResult};

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// The three sets capset(2) manages, as bit masks (bit n is capability n).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CapSets {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

pub fn capget() -> SysResult<CapSets> {
    let mut header = CapHeader { version: LINUX_CAPABILITY_VERSION_3, pid: 0 };
    let mut data = [CapData::default(); 2];
    // SAFETY: version 3 takes two data elements, which data provides.
    check(unsafe { libc::syscall(libc::SYS_capget, &mut header as *mut CapHeader, data.as_mut_ptr()) })?;
    let join = |lo: u32, hi: u32| (lo as u64) | ((hi as u64) << 32);
    Ok(CapSets {
        effective: join(data[0].effective, data[1].effective),
        permitted: join(data[0].permitted, data[1].permitted),
        inheritable: join(data[0].inheritable, data[1].inheritable),
    })
}

pub fn capset(sets: CapSets) -> SysResult<()> {
    let mut header = CapHeader { version: LINUX_CAPABILITY_VERSION_3, pid: 0 };
    let split = |v: u64| (v as u32, (v >> 32) as u32);
    let (e0, e1) = split(sets.effective);
    let (p0, p1) = split(sets.permitted);
    let (i0, i1) = split(sets.inheritable);
    let data = [
        CapData { effective: e0, permitted: p0, inheritable: i0 },
        CapData { effective: e1, permitted: p1, inheritable: i1 },
    ];
    // SAFETY: version 3 reads two data elements, which data provides.
    check(unsafe { libc::syscall(libc::SYS_capset, &mut header as *mut CapHeader, data.as_ptr()) }).map(drop)
}

fn prctl(option: i32, arg2: u64, arg3: u64) -> SysResult<i32> {
    // SAFETY: the capability prctls only read integer arguments.
    check_int(unsafe {
        libc::prctl(option, arg2 as libc::c_ulong, arg3 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong)
    })
}

pub fn bounding_drop(cap: u32) -> SysResult<()> {
    prctl(libc::PR_CAPBSET_DROP, cap as u64, 0).map(drop)
}

pub fn bounding_has(cap: u32) -> SysResult<bool> {
    prctl(libc::PR_CAPBSET_READ, cap as u64, 0).map(|v| v == 1)
}

pub fn ambient_clear_all() -> SysResult<()> {
    prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_CLEAR_ALL as u64, 0).map(drop)
}

pub fn ambient_raise(cap: u32) -> SysResult<()> {
    prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_RAISE as u64, cap as u64).map(drop)
}

/// The highest capability number this kernel knows.
pub fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(40)
}

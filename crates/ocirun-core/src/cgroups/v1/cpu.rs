//! The v1 cpu and cpuset controllers.

use std::path::Path;

use super::super::error::Result;
use super::super::file;
use crate::spec::Cpu;

/// Period before quota, and rt period before rt runtime, as the kernel checks them against
/// each other.
pub fn set_cpu(dir: &Path, c: &Cpu) -> Result<()> {
    if let Some(shares) = c.shares.filter(|s| *s != 0) {
        file::write(dir, "cpu.shares", shares.to_string())?;
    }
    if let Some(period) = c.period.filter(|p| *p != 0) {
        file::write(dir, "cpu.cfs_period_us", period.to_string())?;
    }
    if let Some(quota) = c.quota.filter(|q| *q != 0) {
        file::write(dir, "cpu.cfs_quota_us", quota.to_string())?;
    }
    if let Some(burst) = c.burst {
        file::write(dir, "cpu.cfs_burst_us", burst.to_string())?;
    }
    if let Some(period) = c.realtime_period.filter(|p| *p != 0) {
        file::write(dir, "cpu.rt_period_us", period.to_string())?;
    }
    if let Some(runtime) = c.realtime_runtime.filter(|r| *r != 0) {
        file::write(dir, "cpu.rt_runtime_us", runtime.to_string())?;
    }
    if let Some(idle) = c.idle {
        file::write(dir, "cpu.idle", idle.to_string())?;
    }
    Ok(())
}

pub fn set_cpuset(dir: &Path, c: &Cpu) -> Result<()> {
    if let Some(cpus) = c.cpus.as_deref().filter(|s| !s.is_empty()) {
        file::write(dir, "cpuset.cpus", cpus)?;
    }
    if let Some(mems) = c.mems.as_deref().filter(|s| !s.is_empty()) {
        file::write(dir, "cpuset.mems", mems)?;
    }
    Ok(())
}

/// Copies cpuset.cpus and cpuset.mems from the parent when the new cgroup has none.
pub fn inherit_cpuset(dir: &Path) -> Result<()> {
    let Some(parent) = dir.parent() else { return Ok(()) };
    for name in ["cpuset.cpus", "cpuset.mems"] {
        if file::read(dir, name)?.trim().is_empty() {
            let value = file::read(parent, name)?;
            file::write(dir, name, value.trim())?;
        }
    }
    Ok(())
}

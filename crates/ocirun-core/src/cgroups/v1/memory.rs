//! The v1 memory controller.

use std::path::Path;

use super::super::error::{CgroupError, Result};
use super::super::file;
use crate::spec::Memory;

fn value(v: i64) -> String {
    v.to_string()
}

/// Limits, in the order the kernel accepts: memsw may never be below the memory limit, so
/// whichever of the two grows is written first.
pub fn set(dir: &Path, m: &Memory) -> Result<()> {
    if m.check_before_update == Some(true) {
        if let Some(limit) = m.limit.filter(|l| *l > 0) {
            let usage = file::read_u64(dir, "memory.usage_in_bytes")?;
            if usage > limit as u64 {
                return Err(CgroupError::invalid(
                    "memory.limit",
                    format!("{limit} is below the current usage of {usage} bytes (checkBeforeUpdate)"),
                ));
            }
        }
    }
    let has_swap_file = file::exists(dir, "memory.memsw.limit_in_bytes");
    match (m.limit, m.swap) {
        (Some(limit), Some(swap)) if has_swap_file => {
            let current_swap = file::read_u64(dir, "memory.memsw.limit_in_bytes")?;
            let grows = swap == -1 || (swap as u64) > current_swap;
            if grows {
                file::write(dir, "memory.memsw.limit_in_bytes", value(swap))?;
                file::write(dir, "memory.limit_in_bytes", value(limit))?;
            } else {
                file::write(dir, "memory.limit_in_bytes", value(limit))?;
                file::write(dir, "memory.memsw.limit_in_bytes", value(swap))?;
            }
        }
        (_, Some(_)) if !has_swap_file => {
            return Err(CgroupError::invalid(
                "memory.swap",
                "this kernel does not account swap (no memory.memsw.limit_in_bytes)",
            ))
        }
        (Some(limit), _) => file::write(dir, "memory.limit_in_bytes", value(limit))?,
        (None, Some(swap)) => file::write(dir, "memory.memsw.limit_in_bytes", value(swap))?,
        (None, None) => {}
    }
    if let Some(r) = m.reservation {
        file::write(dir, "memory.soft_limit_in_bytes", value(r))?;
    }
    if let Some(tcp) = m.kernel_tcp {
        file::write(dir, "memory.kmem.tcp.limit_in_bytes", value(tcp))?;
    }
    if let Some(s) = m.swappiness {
        file::write(dir, "memory.swappiness", s.to_string())?;
    }
    if let Some(disable) = m.disable_oom_killer {
        file::write(dir, "memory.oom_control", if disable { "1" } else { "0" })?;
    }
    Ok(())
}

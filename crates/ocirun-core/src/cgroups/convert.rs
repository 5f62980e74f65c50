//! The conversions runc makes between cgroup v1 values (which the spec uses) and cgroup v2
//! files, so that one config means the same on both.

use super::error::{CgroupError, Result};

/// cpu.shares (2..262144) to cpu.weight (1..10000), linearly; 0 means unset.
pub fn cpu_shares_to_weight(shares: u64) -> u64 {
    if shares == 0 {
        return 0;
    }
    1 + (shares.clamp(2, 262_144) - 2) * 9999 / 262_142
}

/// blkio.weight (10..1000) to io.weight (1..10000); 0 means unset.
pub fn blkio_weight_to_io_weight(weight: u16) -> u64 {
    if weight == 0 {
        return 0;
    }
    1 + (u64::from(weight.clamp(10, 1000)) - 10) * 9999 / 990
}

/// The spec's swap is memory+swap (v1's memsw); v2's memory.swap.max is swap alone. Returns
/// the memory.swap.max value: None to leave it, Some(-1) for "max".
pub fn memory_swap_to_v2(swap: Option<i64>, limit: Option<i64>) -> Result<Option<i64>> {
    let err = |reason: &str| CgroupError::invalid("memory.swap", reason);
    let limit = limit.unwrap_or(0);
    match swap {
        // Unlimited memory without a swap setting means unlimited swap too, as on v1.
        None | Some(0) if limit == -1 => Ok(Some(-1)),
        None | Some(0) => Ok(None),
        Some(-1) => Ok(Some(-1)),
        Some(s) if s < 0 => Err(err(&format!("{s} is not a valid swap limit"))),
        Some(_) if limit == 0 || limit == -1 => Err(err("a swap limit needs a memory limit")),
        Some(s) if s < limit => Err(err(&format!("memory+swap limit {s} is below the memory limit {limit}"))),
        Some(s) => Ok(Some(s - limit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_shares_map_onto_the_weight_range() {
        assert_eq!(cpu_shares_to_weight(0), 0);
        assert_eq!(cpu_shares_to_weight(2), 1);
        assert_eq!(cpu_shares_to_weight(512), 20);
        assert_eq!(cpu_shares_to_weight(1024), 39);
        assert_eq!(cpu_shares_to_weight(262_144), 10_000);
    }

    #[test]
    fn blkio_weights_map_onto_io_weights() {
        assert_eq!(blkio_weight_to_io_weight(0), 0);
        assert_eq!(blkio_weight_to_io_weight(10), 1);
        assert_eq!(blkio_weight_to_io_weight(500), 4950);
        assert_eq!(blkio_weight_to_io_weight(1000), 10_000);
    }

    #[test]
    fn swap_is_memory_plus_swap_on_v1_and_swap_alone_on_v2() {
        assert_eq!(memory_swap_to_v2(Some(300), Some(100)).ok(), Some(Some(200)));
        assert_eq!(memory_swap_to_v2(Some(100), Some(100)).ok(), Some(Some(0)));
        assert_eq!(memory_swap_to_v2(Some(-1), Some(100)).ok(), Some(Some(-1)));
        assert_eq!(memory_swap_to_v2(None, Some(100)).ok(), Some(None));
        assert_eq!(memory_swap_to_v2(None, Some(-1)).ok(), Some(Some(-1)));
    }

    #[test]
    fn impossible_swap_settings_are_refused() {
        assert!(memory_swap_to_v2(Some(50), Some(100)).is_err());
        assert!(memory_swap_to_v2(Some(200), None).is_err());
        assert!(memory_swap_to_v2(Some(-5), Some(100)).is_err());
    }
}

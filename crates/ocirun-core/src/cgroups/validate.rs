//! Checks of linux.resources against this host, made before any file is written or process
//! started: each requested setting needs its controller, and values must make sense here
//! (CPUs that exist, block devices that exist, huge page sizes the kernel has).

use std::collections::BTreeSet;
use std::path::Path;

use super::convert::memory_swap_to_v2;
use super::devices::Rule;
use super::error::{CgroupError, Result};
use super::layout::Layout;
use crate::spec::{Resources, ThrottleDevice};

/// Where a controller is served on this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    V1,
    V2,
    Nowhere,
}

pub fn served(layout: &Layout, controller: &str) -> Served {
    if layout.v1.iter().any(|h| h.controllers.iter().any(|c| c == controller)) {
        Served::V1
    } else if layout.unified.is_some() && layout.unified_controllers.contains(controller) {
        Served::V2
    } else {
        Served::Nowhere
    }
}

fn need(layout: &Layout, field: &'static str, controller: &'static str) -> Result<Served> {
    match served(layout, controller) {
        Served::Nowhere => Err(CgroupError::NoController { field, controller }),
        s => Ok(s),
    }
}

/// Above any CPU or node number Linux supports (NR_CPUS is at most 8192): a larger one is a
/// typo, and a range up to it would take the runtime's memory.
const MAX_LIST_ID: u32 = 65_535;

/// Parses a CPU or memory node list ("0-3,7").
pub fn parse_list(s: &str) -> Option<BTreeSet<u32>> {
    let mut out = BTreeSet::new();
    for part in s.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                if a > b || b > MAX_LIST_ID {
                    return None;
                }
                out.extend(a..=b);
            }
            None => {
                out.insert(part.trim().parse().ok().filter(|n| *n <= MAX_LIST_ID)?);
            }
        }
    }
    Some(out)
}

fn check_list(field: &str, value: &str, online_file: &str, what: &str) -> Result<()> {
    let asked = parse_list(value)
        .ok_or_else(|| CgroupError::invalid(field, format!("{value:?} is not a list like \"0-3,7\"")))?;
    let online = std::fs::read_to_string(online_file).ok().and_then(|s| parse_list(&s));
    if let Some(online) = online {
        if let Some(missing) = asked.iter().find(|c| !online.contains(c)) {
            return Err(CgroupError::invalid(
                field,
                format!("{what} {missing} does not exist on this host (online: {})", online_text(&online)),
            ));
        }
    }
    Ok(())
}

fn online_text(set: &BTreeSet<u32>) -> String {
    let v: Vec<String> = set.iter().map(u32::to_string).collect();
    v.join(",")
}

fn check_block_devices(field: &str, list: &[ThrottleDevice]) -> Result<()> {
    for (i, d) in list.iter().enumerate() {
        block_device_exists(&format!("{field}[{i}]"), d.major, d.minor)?;
    }
    Ok(())
}

fn block_device_exists(field: &str, major: i64, minor: i64) -> Result<()> {
    if !Path::new(&format!("/sys/dev/block/{major}:{minor}")).exists() {
        return Err(CgroupError::invalid(field, format!("block device {major}:{minor} does not exist on this host")));
    }
    Ok(())
}

/// Whether the block I/O controller has a weight file at its root (CFQ's, BFQ's, or v2's).
fn has_weight_file(layout: &Layout) -> bool {
    let v1 = layout.v1.iter().find(|h| h.controllers.iter().any(|c| c == "blkio"));
    let candidates: Vec<std::path::PathBuf> = match v1 {
        Some(h) => vec![h.mountpoint.join("blkio.weight"), h.mountpoint.join("blkio.bfq.weight")],
        None => layout
            .unified
            .iter()
            .flat_map(|u| [u.mountpoint.join("io.weight"), u.mountpoint.join("io.bfq.weight")])
            .collect(),
    };
    // The root cgroup of v2 has no io.weight of its own; a delegated child would.
    candidates.iter().any(|p| p.exists()) || (v1.is_none() && layout.unified_controllers.contains("io"))
}

/// Huge page sizes this kernel has, named as the cgroup files name them ("2MB", "1GB").
pub fn hugepage_sizes() -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir("/sys/kernel/mm/hugepages") else { return BTreeSet::new() };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.strip_prefix("hugepages-")?.strip_suffix("kB")?.parse::<u64>().ok())
        .map(|kb| match kb {
            kb if kb >= 1 << 20 && kb % (1 << 20) == 0 => format!("{}GB", kb >> 20),
            kb if kb >= 1 << 10 && kb % (1 << 10) == 0 => format!("{}MB", kb >> 10),
            kb => format!("{kb}KB"),
        })
        .collect()
}

/// Validates `r` for this host; returns warnings for settings that are accepted but have no
/// effect.
pub fn check(r: &Resources, layout: &Layout) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    for (i, rule) in r.devices.iter().enumerate() {
        Rule::from_spec(rule, i)?;
    }
    if let Some(m) = &r.memory {
        let where_ = need(layout, "memory", "memory")?;
        for (name, v) in [("memory.limit", m.limit), ("memory.reservation", m.reservation)] {
            if let Some(v) = v.filter(|v| *v < -1) {
                return Err(CgroupError::invalid(name, format!("{v} is not a valid limit (-1 means unlimited)")));
            }
        }
        memory_swap_to_v2(m.swap, m.limit)?;
        if m.kernel.is_some() {
            warnings.push(
                "linux.resources.memory.kernel is deprecated and ignored: kernel memory is part of the memory limit"
                    .into(),
            );
        }
        if where_ == Served::V2 {
            for (name, set) in [
                ("memory.swappiness", m.swappiness.is_some()),
                ("memory.disableOOMKiller", m.disable_oom_killer == Some(true)),
                ("memory.kernelTCP", m.kernel_tcp.is_some()),
            ] {
                if set {
                    return Err(CgroupError::invalid(name, "cgroup v2 has no such setting"));
                }
            }
        }
    }
    if let Some(c) = &r.cpu {
        let wants_cpu = c.shares.is_some()
            || c.quota.is_some()
            || c.period.is_some()
            || c.burst.is_some()
            || c.idle.is_some()
            || c.realtime_period.is_some()
            || c.realtime_runtime.is_some();
        if wants_cpu {
            let where_ = need(layout, "cpu", "cpu")?;
            if let Some(q) = c.quota.filter(|q| *q != 0 && *q != -1 && *q < 1000) {
                return Err(CgroupError::invalid(
                    "cpu.quota",
                    format!("{q} is below the kernel's minimum of 1000 microseconds"),
                ));
            }
            if let Some(p) = c.period.filter(|p| *p != 0 && !(1000..=1_000_000).contains(p)) {
                return Err(CgroupError::invalid(
                    "cpu.period",
                    format!("{p} is outside the kernel's range of 1000 to 1000000 microseconds"),
                ));
            }
            if let Some(s) = c.shares.filter(|s| *s != 0 && *s < 2) {
                return Err(CgroupError::invalid("cpu.shares", format!("{s} is below the minimum of 2")));
            }
            if where_ == Served::V2 && (c.realtime_period.is_some() || c.realtime_runtime.is_some()) {
                return Err(CgroupError::invalid("cpu.realtimeRuntime", "cgroup v2 has no real-time CPU settings"));
            }
        }
        if let Some(cpus) = c.cpus.as_deref().filter(|s| !s.is_empty()) {
            need(layout, "cpu.cpus", "cpuset")?;
            check_list("cpu.cpus", cpus, "/sys/devices/system/cpu/online", "CPU")?;
        }
        if let Some(mems) = c.mems.as_deref().filter(|s| !s.is_empty()) {
            need(layout, "cpu.mems", "cpuset")?;
            check_list("cpu.mems", mems, "/sys/devices/system/node/online", "memory node")?;
        }
    }
    if let Some(p) = &r.pids {
        need(layout, "pids", "pids")?;
        if p.limit < -1 {
            return Err(CgroupError::invalid(
                "pids.limit",
                format!("{} is not a valid limit (0 or -1 mean unlimited)", p.limit),
            ));
        }
    }
    if let Some(b) = &r.block_io {
        if served(layout, "blkio") == Served::Nowhere {
            need(layout, "blockIO", "io")?;
        }
        let wants_weight =
            b.weight.is_some_and(|w| w != 0) || b.leaf_weight.is_some_and(|w| w != 0) || !b.weight_device.is_empty();
        if wants_weight && !has_weight_file(layout) {
            return Err(CgroupError::invalid(
                "blockIO.weight",
                "this host's block I/O schedulers offer no weights (no blkio.weight, blkio.bfq.weight or io.weight)",
            ));
        }
        for (i, d) in b.weight_device.iter().enumerate() {
            block_device_exists(&format!("blockIO.weightDevice[{i}]"), d.major, d.minor)?;
        }
        check_block_devices("blockIO.throttleReadBpsDevice", &b.throttle_read_bps_device)?;
        check_block_devices("blockIO.throttleWriteBpsDevice", &b.throttle_write_bps_device)?;
        check_block_devices("blockIO.throttleReadIOPSDevice", &b.throttle_read_iops_device)?;
        check_block_devices("blockIO.throttleWriteIOPSDevice", &b.throttle_write_iops_device)?;
    }
    if !r.hugepage_limits.is_empty() {
        need(layout, "hugepageLimits", "hugetlb")?;
        let sizes = hugepage_sizes();
        for (i, l) in r.hugepage_limits.iter().enumerate() {
            if !sizes.contains(&l.page_size) {
                return Err(CgroupError::invalid(
                    format!("hugepageLimits[{i}].pageSize"),
                    format!(
                        "{} is not a huge page size of this host ({})",
                        l.page_size,
                        sizes.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    if let Some(n) = &r.network {
        if n.class_id.is_some() {
            need(layout, "network.classID", "net_cls")?;
        }
        if !n.priorities.is_empty() {
            need(layout, "network.priorities", "net_prio")?;
        }
    }
    if !r.rdma.is_empty() {
        need(layout, "rdma", "rdma")?;
    }
    if !r.unified.is_empty() {
        if layout.unified.is_none() {
            return Err(CgroupError::invalid("unified", "needs cgroup v2, and this host has only cgroup v1"));
        }
        for key in r.unified.keys() {
            let controller = key.split('.').next().unwrap_or("");
            let valid_name = !key.contains('/') && key.contains('.') && !key.starts_with('.');
            if !valid_name {
                return Err(CgroupError::invalid(format!("unified.{key}"), "is not a cgroup v2 file name"));
            }
            if controller != "cgroup" && served(layout, controller) != Served::V2 {
                return Err(CgroupError::invalid(
                    format!("unified.{key}"),
                    format!("the {controller} controller is not available on cgroup v2 here"),
                ));
            }
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroups::testing::hybrid_layout;

    fn hybrid() -> Layout {
        hybrid_layout(&["hugetlb"])
    }

    fn resources(json: &str) -> Resources {
        serde_json::from_str(json).expect("json")
    }

    #[test]
    fn cpu_lists_parse_with_ranges() {
        assert_eq!(parse_list("0-2,5"), Some([0, 1, 2, 5].into_iter().collect()));
        assert_eq!(parse_list("3-1"), None);
        assert_eq!(parse_list("a"), None);
        assert_eq!(parse_list("0-4294967295"), None);
    }

    #[test]
    fn a_controller_the_host_lacks_is_named() {
        let err = check(&resources(r#"{"pids":{"limit":10}}"#), &hybrid()).expect_err("no pids");
        assert_eq!(err.to_string(), "linux.resources.pids: the pids controller is not available on this host");
    }

    #[test]
    fn negative_and_impossible_values_are_refused() {
        assert!(check(&resources(r#"{"memory":{"limit":-5}}"#), &hybrid()).is_err());
        assert!(check(&resources(r#"{"memory":{"limit":1000,"swap":500}}"#), &hybrid()).is_err());
        assert!(check(&resources(r#"{"cpu":{"quota":10}}"#), &hybrid()).is_err());
        assert!(check(&resources(r#"{"cpu":{"cpus":"0-100000"}}"#), &hybrid()).is_err());
    }

    #[test]
    fn unified_keys_need_cgroup_v2_controllers() {
        assert!(check(&resources(r#"{"unified":{"memory.high":"1G"}}"#), &hybrid()).is_err());
        assert!(check(&resources(r#"{"unified":{"hugetlb.2MB.max":"0"}}"#), &hybrid()).is_ok());
        assert!(check(&resources(r#"{"unified":{"../escape":"1"}}"#), &hybrid()).is_err());
    }

    #[test]
    fn kernel_memory_is_a_warning() {
        let w = check(&resources(r#"{"memory":{"limit":1048576,"kernel":1048576}}"#), &hybrid()).expect("ok");
        assert_eq!(w.len(), 1);
    }
}

//! Applying linux.resources to a cgroup v2 directory, with runc's v1-to-v2 conversions.

use std::path::Path;

use super::super::convert::{blkio_weight_to_io_weight, cpu_shares_to_weight, memory_swap_to_v2};
use super::super::devices::{ebpf, Rule};
use super::super::error::{CgroupError, Result};
use super::super::file;
use crate::spec::{BlockIo, Cpu, Memory, Resources};

fn max_or(v: i64) -> String {
    if v < 0 {
        "max".to_string()
    } else {
        v.to_string()
    }
}

/// Applies what `controllers` (this cgroup's) cover. Settings v2 has no file for are refused by
/// validation before this runs.
pub fn set(
    dir: &Path,
    r: &Resources,
    device_rules: Option<&[Rule]>,
    controllers: &std::collections::BTreeSet<String>,
) -> Result<()> {
    let has = |c: &str| controllers.contains(c);
    if let (true, Some(cpu)) = (has("cpuset"), &r.cpu) {
        if let Some(cpus) = cpu.cpus.as_deref().filter(|s| !s.is_empty()) {
            file::write(dir, "cpuset.cpus", cpus)?;
        }
        if let Some(mems) = cpu.mems.as_deref().filter(|s| !s.is_empty()) {
            file::write(dir, "cpuset.mems", mems)?;
        }
    }
    if let Some(rules) = device_rules {
        ebpf::apply(dir, rules)?;
    }
    if let (true, Some(m)) = (has("memory"), &r.memory) {
        set_memory(dir, m)?;
    }
    if let (true, Some(cpu)) = (has("cpu"), &r.cpu) {
        set_cpu(dir, cpu)?;
    }
    if let (true, Some(p)) = (has("pids"), &r.pids) {
        file::write(dir, "pids.max", if p.limit > 0 { p.limit.to_string() } else { "max".into() })?;
    }
    if let (true, Some(b)) = (has("io"), &r.block_io) {
        set_io(dir, b)?;
    }
    if has("hugetlb") {
        for l in &r.hugepage_limits {
            file::write(dir, &format!("hugetlb.{}.max", l.page_size), l.limit.to_string())?;
        }
    }
    if has("rdma") {
        for (device, rdma) in &r.rdma {
            file::write(dir, "rdma.max", super::super::v1::rdma_line(device, rdma))?;
        }
    }
    for (key, value) in &r.unified {
        file::write(dir, key, value)?;
    }
    Ok(())
}

fn set_memory(dir: &Path, m: &Memory) -> Result<()> {
    let swap = memory_swap_to_v2(m.swap, m.limit)?;
    if m.check_before_update == Some(true) {
        if let Some(limit) = m.limit.filter(|l| *l > 0) {
            let usage = file::read_u64(dir, "memory.current")?;
            if usage > limit as u64 {
                return Err(CgroupError::invalid(
                    "memory.limit",
                    format!("{limit} is below the current usage of {usage} bytes (checkBeforeUpdate)"),
                ));
            }
        }
    }
    // Swap first: lowering memory.max below the current usage makes the kernel reclaim into
    // swap, which must already have its new limit.
    if let Some(s) = swap {
        file::write(dir, "memory.swap.max", max_or(s))?;
    }
    if let Some(limit) = m.limit.filter(|l| *l != 0) {
        file::write(dir, "memory.max", max_or(limit))?;
    }
    if let Some(r) = m.reservation.filter(|r| *r != 0) {
        file::write(dir, "memory.low", max_or(r))?;
    }
    Ok(())
}

fn set_cpu(dir: &Path, c: &Cpu) -> Result<()> {
    if let Some(shares) = c.shares.filter(|s| *s != 0) {
        file::write(dir, "cpu.weight", cpu_shares_to_weight(shares).to_string())?;
    }
    let quota = c.quota.filter(|q| *q != 0);
    let period = c.period.filter(|p| *p != 0);
    if quota.is_some() || period.is_some() {
        // cpu.max holds both; a missing half keeps its current value.
        let current = file::read(dir, "cpu.max")?;
        let mut parts = current.split_whitespace();
        let cur_quota = parts.next().unwrap_or("max").to_string();
        let cur_period = parts.next().unwrap_or("100000").to_string();
        let q = quota.map_or(cur_quota, max_or);
        let p = period.map_or(cur_period, |p| p.to_string());
        file::write(dir, "cpu.max", format!("{q} {p}"))?;
    }
    if let Some(burst) = c.burst {
        file::write(dir, "cpu.max.burst", burst.to_string())?;
    }
    if let Some(idle) = c.idle {
        file::write(dir, "cpu.idle", idle.to_string())?;
    }
    Ok(())
}

fn set_io(dir: &Path, b: &BlockIo) -> Result<()> {
    // With BFQ the weight keeps its v1 range; otherwise it becomes io.weight's.
    let bfq = file::exists(dir, "io.bfq.weight");
    if let Some(w) = b.weight.filter(|w| *w != 0) {
        if bfq {
            file::write(dir, "io.bfq.weight", w.to_string())?;
        } else {
            file::write(dir, "io.weight", format!("default {}", blkio_weight_to_io_weight(w)))?;
        }
    }
    for d in &b.weight_device {
        if let Some(w) = d.weight {
            let (name, value) =
                if bfq { ("io.bfq.weight", u64::from(w)) } else { ("io.weight", blkio_weight_to_io_weight(w)) };
            file::write(dir, name, format!("{}:{} {}", d.major, d.minor, value))?;
        }
    }
    let lists = [
        (&b.throttle_read_bps_device, "rbps"),
        (&b.throttle_write_bps_device, "wbps"),
        (&b.throttle_read_iops_device, "riops"),
        (&b.throttle_write_iops_device, "wiops"),
    ];
    for (list, key) in lists {
        for d in list {
            file::write(dir, "io.max", format!("{}:{} {}={}", d.major, d.minor, key, d.rate))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use super::*;

    /// A scratch directory standing in for a cgroup v2 directory: the files exist (empty or
    /// with the kernel's defaults) so that writes land, and reads see what was written.
    struct FakeCgroup(PathBuf);

    impl FakeCgroup {
        fn new(name: &str, files: &[(&str, &str)]) -> FakeCgroup {
            let dir = std::env::temp_dir().join(format!("ocirun-v2-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("mkdir");
            for (f, content) in files {
                std::fs::write(dir.join(f), content).expect("write");
            }
            FakeCgroup(dir)
        }

        /// What a read of the file shows. Writes do not truncate (cgroup files need no
        /// truncation), so a shorter value leaves the old file's newline behind.
        fn read(&self, f: &str) -> String {
            std::fs::read_to_string(self.0.join(f)).expect("read").trim_end().to_string()
        }
    }

    impl Drop for FakeCgroup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn all(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn resources(json: &str) -> Resources {
        serde_json::from_str(json).expect("json")
    }

    fn apply(dir: &Path, json: &str, controllers: &[&str]) {
        set(dir, &resources(json), None, &all(controllers)).expect("set");
    }

    #[test]
    fn memory_limits_go_to_memory_max_low_and_swap_max() {
        let cg = FakeCgroup::new("mem", &[("memory.max", ""), ("memory.low", ""), ("memory.swap.max", "")]);
        apply(&cg.0, r#"{"memory":{"limit":104857600,"reservation":52428800,"swap":209715200}}"#, &["memory"]);
        assert_eq!(cg.read("memory.max"), "104857600");
        assert_eq!(cg.read("memory.low"), "52428800");
        assert_eq!(cg.read("memory.swap.max"), "104857600", "v2 swap is memory+swap minus memory");
    }

    #[test]
    fn unlimited_memory_is_max() {
        let cg = FakeCgroup::new("memmax", &[("memory.max", ""), ("memory.swap.max", "")]);
        apply(&cg.0, r#"{"memory":{"limit":-1}}"#, &["memory"]);
        assert_eq!(cg.read("memory.max"), "max");
        assert_eq!(cg.read("memory.swap.max"), "max");
    }

    #[test]
    fn cpu_shares_become_a_weight_and_quota_period_cpu_max() {
        let cg = FakeCgroup::new("cpu", &[("cpu.weight", ""), ("cpu.max", "max 100000\n")]);
        apply(&cg.0, r#"{"cpu":{"shares":512,"quota":50000,"period":200000}}"#, &["cpu"]);
        assert_eq!(cg.read("cpu.weight"), "20");
        assert_eq!(cg.read("cpu.max"), "50000 200000");
    }

    #[test]
    fn a_quota_alone_keeps_the_current_period() {
        let cg = FakeCgroup::new("cpuq", &[("cpu.max", "max 250000\n")]);
        apply(&cg.0, r#"{"cpu":{"quota":-1}}"#, &["cpu"]);
        assert_eq!(cg.read("cpu.max"), "max 250000");
    }

    #[test]
    fn cpuset_pids_and_hugetlb_are_written_as_given() {
        let cg = FakeCgroup::new(
            "misc",
            &[("cpuset.cpus", ""), ("cpuset.mems", ""), ("pids.max", ""), ("hugetlb.2MB.max", "")],
        );
        apply(
            &cg.0,
            r#"{"cpu":{"cpus":"0-1","mems":"0"},"pids":{"limit":0},"hugepageLimits":[{"pageSize":"2MB","limit":4194304}]}"#,
            &["cpuset", "pids", "hugetlb"],
        );
        assert_eq!(cg.read("cpuset.cpus"), "0-1");
        assert_eq!(cg.read("cpuset.mems"), "0");
        assert_eq!(cg.read("pids.max"), "max", "0 means no limit");
        assert_eq!(cg.read("hugetlb.2MB.max"), "4194304");
    }

    #[test]
    fn block_io_weights_convert_and_throttles_go_to_io_max() {
        let cg = FakeCgroup::new("io", &[("io.weight", ""), ("io.max", "")]);
        apply(
            &cg.0,
            r#"{"blockIO":{"weight":500,"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1048576}]}}"#,
            &["io"],
        );
        assert_eq!(cg.read("io.weight"), "default 4950");
        assert_eq!(cg.read("io.max"), "8:0 rbps=1048576");
    }

    #[test]
    fn bfq_keeps_the_v1_weight_range() {
        let cg = FakeCgroup::new("bfq", &[("io.bfq.weight", "")]);
        apply(&cg.0, r#"{"blockIO":{"weight":500}}"#, &["io"]);
        assert_eq!(cg.read("io.bfq.weight"), "500");
    }

    #[test]
    fn controllers_the_cgroup_lacks_are_left_alone() {
        let cg = FakeCgroup::new("none", &[("memory.max", "untouched")]);
        apply(&cg.0, r#"{"memory":{"limit":1000}}"#, &[]);
        assert_eq!(cg.read("memory.max"), "untouched");
    }

    #[test]
    fn unified_keys_are_written_verbatim() {
        let cg = FakeCgroup::new("unified", &[("memory.high", "")]);
        apply(&cg.0, r#"{"unified":{"memory.high":"50M"}}"#, &["memory"]);
        assert_eq!(cg.read("memory.high"), "50M");
    }
}

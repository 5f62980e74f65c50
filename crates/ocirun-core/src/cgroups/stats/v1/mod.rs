//! What the cgroup v1 hierarchies report, one controller at a time.

mod blkio;
mod cpu;
mod memory;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::types::{Hugetlb, Stats};
use super::{parse, pids};
use crate::cgroups::error::Result;

pub(super) fn read(dirs: &BTreeMap<String, PathBuf>, into: &mut Stats) -> Result<()> {
    for (names, dir) in dirs {
        // A co-mounted hierarchy may be named after all its controllers ("cpu,cpuacct").
        for name in names.split(',') {
            match name {
                "cpu" => cpu::throttling(dir, &mut into.cpu.throttling)?,
                "cpuacct" => cpu::usage(dir, &mut into.cpu.usage)?,
                "cpuset" => cpu::cpuset(dir, &mut into.cpuset)?,
                "memory" => memory::read(dir, &mut into.memory)?,
                "pids" => pids::read(dir, &mut into.pids)?,
                "blkio" => blkio::read(dir, &mut into.blkio)?,
                "hugetlb" => hugetlb(dir, &mut into.hugetlb)?,
                _ => {}
            }
        }
    }
    Ok(())
}

/// hugetlb.<size>.{usage_in_bytes,max_usage_in_bytes,failcnt} for every page size present.
fn hugetlb(dir: &Path, into: &mut BTreeMap<String, Hugetlb>) -> Result<()> {
    for size in parse::hugepage_sizes(dir, "hugetlb.", ".usage_in_bytes")? {
        let get =
            |suffix: &str| -> Result<u64> { Ok(parse::number(dir, &format!("hugetlb.{size}.{suffix}"))?.unwrap_or(0)) };
        let entry =
            Hugetlb { usage: get("usage_in_bytes")?, max: get("max_usage_in_bytes")?, failcnt: get("failcnt")? };
        into.insert(size, entry);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::parse::tests::Fixture;
    use super::*;

    fn dirs(entries: &[(&str, &Path)]) -> BTreeMap<String, PathBuf> {
        entries.iter().map(|(k, v)| (k.to_string(), v.to_path_buf())).collect()
    }

    #[test]
    fn hugetlb_reports_each_page_size_and_skips_reserved_counters() {
        let f = Fixture::new(
            "v1-hugetlb",
            &[
                ("hugetlb.2MB.usage_in_bytes", "4194304\n"),
                ("hugetlb.2MB.max_usage_in_bytes", "6291456\n"),
                ("hugetlb.2MB.failcnt", "2\n"),
                ("hugetlb.2MB.limit_in_bytes", "9223372036854771712\n"),
                ("hugetlb.2MB.rsvd.usage_in_bytes", "0\n"),
                ("hugetlb.1GB.usage_in_bytes", "0\n"),
                ("hugetlb.1GB.max_usage_in_bytes", "0\n"),
                ("hugetlb.1GB.failcnt", "0\n"),
            ],
        );
        let mut s = Stats::default();
        read(&dirs(&[("hugetlb", &f.0)]), &mut s).unwrap();
        assert_eq!(
            serde_json::to_value(&s.hugetlb).unwrap(),
            json!({"1GB": {"failcnt": 0}, "2MB": {"usage": 4194304, "max": 6291456, "failcnt": 2}})
        );
    }

    #[test]
    fn co_mounted_hierarchies_are_read_for_each_controller_named() {
        let f = Fixture::new(
            "v1-comount",
            &[("cpu.stat", "nr_periods 4\nnr_throttled 1\nthrottled_time 5\n"), ("cpuacct.usage", "77\n")],
        );
        let mut s = Stats::default();
        read(&dirs(&[("cpu,cpuacct", &f.0)]), &mut s).unwrap();
        assert_eq!(s.cpu.usage.total, 77);
        assert_eq!(s.cpu.throttling.periods, 4);
    }

    #[test]
    fn missing_hierarchies_and_unknown_controllers_are_skipped() {
        let gone = std::env::temp_dir().join(format!("ocirun-stats-absent-{}", std::process::id()));
        let mut s = Stats::default();
        let all = ["cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "hugetlb", "devices", "freezer"];
        let map: BTreeMap<String, PathBuf> = all.iter().map(|c| (c.to_string(), gone.join(c))).collect();
        read(&map, &mut s).unwrap();
        assert_eq!(s, Stats::default());
    }
}

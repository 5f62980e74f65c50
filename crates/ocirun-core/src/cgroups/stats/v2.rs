//! What a cgroup v2 directory reports, for the controllers enabled in it.
//
// Numbers are converted to the units and meanings of the v1 fields runc's document was designed
// around: microseconds become nanoseconds, and swap counts memory plus swap as memory.memsw did.

use std::collections::BTreeMap;
use std::path::Path;

use super::types::{Blkio, BlkioEntry, Cpu, CpuUsage, Hugetlb, Memory, MemoryEntry, Stats};
use super::{parse, pids};
use crate::cgroups::error::Result;

pub(super) fn read(dir: &Path, into: &mut Stats) -> Result<()> {
    let Some(controllers) = parse::optional(dir, "cgroup.controllers")? else { return Ok(()) };
    let enabled: Vec<&str> = controllers.split_whitespace().collect();
    let has = |c: &str| enabled.contains(&c);
    // cpu.stat exists even without the cpu controller and then still counts usage. On a hybrid
    // host the v1 cpuacct numbers, read first, are kept instead.
    if has("cpu") || into.cpu.usage == CpuUsage::default() {
        cpu(dir, &mut into.cpu)?;
    }
    if has("memory") {
        memory(dir, &mut into.memory)?;
    }
    if has("pids") {
        pids::read(dir, &mut into.pids)?;
    }
    if has("io") {
        io(dir, &mut into.blkio)?;
    }
    if has("hugetlb") {
        hugetlb(dir, &mut into.hugetlb)?;
    }
    Ok(())
}

fn micros_to_nanos(us: u64) -> u64 {
    us.saturating_mul(1000)
}

/// The count of `key` in an events file (memory.events "max": times the limit was hit).
fn event_count(dir: &Path, name: &str, key: &str) -> Result<u64> {
    Ok(parse::flat_keyed(dir, name)?.and_then(|events| events.get(key).copied()).unwrap_or(0))
}

fn cpu(dir: &Path, into: &mut Cpu) -> Result<()> {
    let Some(stat) = parse::flat_keyed(dir, "cpu.stat")? else { return Ok(()) };
    let get = |key: &str| stat.get(key).copied().unwrap_or(0);
    into.usage.total = micros_to_nanos(get("usage_usec"));
    into.usage.user = micros_to_nanos(get("user_usec"));
    into.usage.kernel = micros_to_nanos(get("system_usec"));
    into.throttling.periods = get("nr_periods");
    into.throttling.throttled_periods = get("nr_throttled");
    into.throttling.throttled_time = micros_to_nanos(get("throttled_usec"));
    Ok(())
}

fn memory(dir: &Path, into: &mut Memory) -> Result<()> {
    if let Some(raw) = parse::flat_keyed(dir, "memory.stat")? {
        into.cache = raw.get("file").copied().unwrap_or(0);
        into.raw = raw;
    }
    // The root cgroup has no memory.current; it has no limit to report either.
    let Some(usage) = parse::number(dir, "memory.current")? else { return Ok(()) };
    into.usage = MemoryEntry {
        usage,
        limit: parse::number(dir, "memory.max")?.unwrap_or(u64::MAX),
        max: parse::number(dir, "memory.peak")?.unwrap_or(0),
        failcnt: event_count(dir, "memory.events", "max")?,
    };
    // Without swap accounting there is no memory.swap.current, and v1 had no memsw files.
    if let Some(swap) = parse::number(dir, "memory.swap.current")? {
        let swap_limit = parse::number(dir, "memory.swap.max")?.unwrap_or(u64::MAX);
        into.swap = MemoryEntry {
            usage: swap.saturating_add(usage),
            limit: swap_limit.saturating_add(into.usage.limit),
            // v2 keeps no peak of memory and swap together.
            max: 0,
            failcnt: event_count(dir, "memory.swap.events", "max")?,
        };
    }
    Ok(())
}

/// io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=..", per device.
fn io(dir: &Path, into: &mut Blkio) -> Result<()> {
    const NAME: &str = "io.stat";
    let Some(text) = parse::optional(dir, NAME)? else { return Ok(()) };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split_whitespace();
        let dev = fields.next().and_then(parse::device);
        let (major, minor) = dev.ok_or_else(|| parse::malformed(dir, NAME, line))?;
        for field in fields {
            let Some((key, value)) = field.split_once('=') else { continue };
            let (list, op) = match key {
                "rbytes" => (&mut into.io_service_bytes_recursive, "Read"),
                "wbytes" => (&mut into.io_service_bytes_recursive, "Write"),
                "rios" => (&mut into.io_serviced_recursive, "Read"),
                "wios" => (&mut into.io_serviced_recursive, "Write"),
                // Discards, and the io.cost / io.latency extras, have no place in runc's document.
                _ => continue,
            };
            let value = value.parse().map_err(|_| parse::malformed(dir, NAME, line))?;
            list.push(BlkioEntry { major, minor, op: op.to_string(), value });
        }
    }
    Ok(())
}

/// hugetlb.<size>.current and the "max" count of hugetlb.<size>.events. v2 keeps no peak, so
/// `max` stays 0 (hugetlb.<size>.max is the limit, which runc's document has no field for).
fn hugetlb(dir: &Path, into: &mut BTreeMap<String, Hugetlb>) -> Result<()> {
    for size in parse::hugepage_sizes(dir, "hugetlb.", ".current")? {
        let usage = parse::number(dir, &format!("hugetlb.{size}.current"))?.unwrap_or(0);
        let failcnt = event_count(dir, &format!("hugetlb.{size}.events"), "max")?;
        into.insert(size, Hugetlb { usage, max: 0, failcnt });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::parse::tests::Fixture;
    use super::*;

    const CPU_STAT: &str = "usage_usec 13040\nuser_usec 9000\nsystem_usec 4040\ncore_sched.force_idle_usec 0\n\
        nr_periods 31\nnr_throttled 29\nthrottled_usec 2475194\nnr_bursts 0\nburst_usec 0\n";

    fn full() -> Fixture {
        Fixture::new(
            "v2",
            &[
                ("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n"),
                ("cpu.stat", CPU_STAT),
                ("memory.stat", "anon 53248\nfile 12288\nkernel 540672\n"),
                ("memory.current", "753664\n"),
                ("memory.max", "16777216\n"),
                ("memory.peak", "2514944\n"),
                ("memory.events", "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n"),
                ("memory.swap.current", "4096\n"),
                ("memory.swap.max", "max\n"),
                ("memory.swap.events", "high 0\nmax 0\nfail 0\n"),
                ("pids.current", "2\n"),
                ("pids.max", "max\n"),
                ("io.stat", "254:0 rbytes=12288 wbytes=0 rios=3 wios=0 dbytes=0 dios=0\n"),
                ("hugetlb.2MB.current", "2097152\n"),
                ("hugetlb.2MB.max", "max\n"),
                ("hugetlb.2MB.events", "max 1\n"),
                ("hugetlb.2MB.rsvd.current", "0\n"),
            ],
        )
    }

    #[test]
    fn a_full_v2_cgroup_serializes_in_runcs_shape() {
        let f = full();
        let mut s = Stats::default();
        read(&f.0, &mut s).unwrap();
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v["cpu"],
            json!({
                "usage": {"total": 13040000, "kernel": 4040000, "user": 9000000},
                "throttling": {"periods": 31, "throttledPeriods": 29, "throttledTime": 2475194000u64}
            })
        );
        assert_eq!(v["memory"]["cache"], 12288);
        assert_eq!(v["memory"]["usage"], json!({"limit": 16777216, "usage": 753664, "max": 2514944, "failcnt": 7}));
        assert_eq!(v["memory"]["swap"], json!({"limit": u64::MAX, "usage": 757760, "failcnt": 0}));
        assert_eq!(v["memory"]["kernel"], json!({"limit": 0, "failcnt": 0}));
        assert_eq!(v["memory"]["raw"], json!({"anon": 53248, "file": 12288, "kernel": 540672}));
        assert_eq!(v["pids"], json!({"current": 2}));
        assert_eq!(
            v["blkio"],
            json!({
                "ioServiceBytesRecursive": [
                    {"major": 254, "op": "Read", "value": 12288},
                    {"major": 254, "op": "Write"}
                ],
                "ioServicedRecursive": [
                    {"major": 254, "op": "Read", "value": 3},
                    {"major": 254, "op": "Write"}
                ]
            })
        );
        assert_eq!(v["hugetlb"], json!({"2MB": {"usage": 2097152, "failcnt": 1}}));
        assert_eq!(v["cpuset"]["sched_relax_domain_level"], 0);
        assert_eq!(v["network_interfaces"], json!(null));
    }

    #[test]
    fn a_swap_limit_adds_the_memory_limit_as_memsw_did() {
        let f = Fixture::new(
            "v2-swap",
            &[
                ("cgroup.controllers", "memory\n"),
                ("memory.current", "100\n"),
                ("memory.max", "1000\n"),
                ("memory.swap.current", "10\n"),
                ("memory.swap.max", "500\n"),
            ],
        );
        let mut s = Stats::default();
        read(&f.0, &mut s).unwrap();
        assert_eq!(s.memory.swap, MemoryEntry { limit: 1500, usage: 110, max: 0, failcnt: 0 });
        assert_eq!(s.memory.usage.max, 0, "no memory.peak: peak unknown");
    }

    #[test]
    fn controllers_not_enabled_are_not_read() {
        let f = Fixture::new(
            "v2-disabled",
            &[
                ("cgroup.controllers", "hugetlb\n"),
                ("memory.current", "100\n"),
                ("pids.current", "4\n"),
                ("io.stat", "8:0 rbytes=1\n"),
            ],
        );
        let mut s = Stats::default();
        read(&f.0, &mut s).unwrap();
        assert_eq!(s, Stats::default());
    }

    #[test]
    fn on_a_hybrid_host_v1_cpu_usage_wins_over_the_unified_cpu_stat() {
        let f = Fixture::new("v2-hybrid", &[("cgroup.controllers", "hugetlb\n"), ("cpu.stat", CPU_STAT)]);
        let mut s = Stats::default();
        s.cpu.usage.total = 5;
        read(&f.0, &mut s).unwrap();
        assert_eq!(s.cpu.usage.total, 5);

        let mut fresh = Stats::default();
        read(&f.0, &mut fresh).unwrap();
        assert_eq!(fresh.cpu.usage.total, 13_040_000, "without v1 numbers the core cpu.stat is used");
    }

    #[test]
    fn io_stat_extras_are_ignored_and_bad_counts_name_the_file() {
        let f = Fixture::new(
            "v2-io",
            &[
                ("cgroup.controllers", "io\n"),
                ("io.stat", "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6 cost.vrate=100.00\n"),
            ],
        );
        let mut s = Stats::default();
        read(&f.0, &mut s).unwrap();
        assert_eq!(s.blkio.io_service_bytes_recursive.len(), 2);
        assert_eq!(s.blkio.io_serviced_recursive[1].value, 4);

        std::fs::write(f.0.join("io.stat"), "8:0 rbytes=lots\n").unwrap();
        let err = read(&f.0, &mut Stats::default()).unwrap_err();
        assert!(err.to_string().contains("io.stat"), "{err}");
    }

    #[test]
    fn a_directory_that_is_not_a_cgroup_reports_nothing() {
        let f = Fixture::new("v2-empty", &[("memory.current", "1\n")]);
        let mut s = Stats::default();
        read(&f.0, &mut s).unwrap();
        assert_eq!(s, Stats::default());
    }
}

//! The v1 cpu, cpuacct and cpuset hierarchies.

use std::path::Path;

use super::super::parse;
use super::super::types::{CpuSet, CpuUsage, Throttling};
use crate::cgroups::error::{CgroupError, Result};

/// cpuacct.stat counts in USER_HZ ticks, which Linux fixes at 100 per second for userspace on
/// every architecture ocirun runs on (runc assumes the same).
const NANOS_PER_TICK: u64 = 1_000_000_000 / 100;

/// cpu.stat: CFS bandwidth throttling (throttled_time is already in nanoseconds).
pub(super) fn throttling(dir: &Path, into: &mut Throttling) -> Result<()> {
    let Some(stat) = parse::flat_keyed(dir, "cpu.stat")? else { return Ok(()) };
    let get = |key: &str| stat.get(key).copied().unwrap_or(0);
    into.periods = get("nr_periods");
    into.throttled_periods = get("nr_throttled");
    into.throttled_time = get("throttled_time");
    Ok(())
}

/// cpuacct.*: total, per-CPU and user/system time.
pub(super) fn usage(dir: &Path, into: &mut CpuUsage) -> Result<()> {
    if let Some(total) = parse::number(dir, "cpuacct.usage")? {
        into.total = total;
    }
    if let Some(percpu) = parse::numbers(dir, "cpuacct.usage_percpu")? {
        into.percpu = percpu;
    }
    if let Some((user, kernel)) = usage_all(dir)? {
        into.percpu_user = user;
        into.percpu_kernel = kernel;
    } else {
        if let Some(kernel) = parse::numbers(dir, "cpuacct.usage_percpu_sys")? {
            into.percpu_kernel = kernel;
        }
        if let Some(user) = parse::numbers(dir, "cpuacct.usage_percpu_user")? {
            into.percpu_user = user;
        }
    }
    if let Some(stat) = parse::flat_keyed(dir, "cpuacct.stat")? {
        let ns = |key: &str| stat.get(key).copied().unwrap_or(0).saturating_mul(NANOS_PER_TICK);
        into.user = ns("user");
        into.kernel = ns("system");
    }
    Ok(())
}

/// cpuacct.usage_all (Linux 4.16): a "cpu user system" header, then one line per CPU. Returns
/// the per-CPU user and system nanoseconds.
fn usage_all(dir: &Path) -> Result<Option<(Vec<u64>, Vec<u64>)>> {
    const NAME: &str = "cpuacct.usage_all";
    let Some(text) = parse::optional(dir, NAME)? else { return Ok(None) };
    let (mut user, mut kernel) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<u64> = line.split_whitespace().filter_map(|f| f.parse().ok()).collect();
        let [_cpu, u, k] = fields[..] else {
            return Err(CgroupError::Parse { path: dir.join(NAME), content: line.to_string() });
        };
        user.push(u);
        kernel.push(k);
    }
    Ok(Some((user, kernel)))
}

/// cpuset.*: the CPUs and memory nodes the container may use, and the cpuset flags.
pub(super) fn cpuset(dir: &Path, into: &mut CpuSet) -> Result<()> {
    if let Some(cpus) = parse::id_list(dir, "cpuset.cpus")? {
        into.cpus = cpus;
    }
    if let Some(mems) = parse::id_list(dir, "cpuset.mems")? {
        into.mems = mems;
    }
    let flags: [(&str, &mut u64); 8] = [
        ("cpuset.cpu_exclusive", &mut into.cpu_exclusive),
        ("cpuset.mem_hardwall", &mut into.mem_hardwall),
        ("cpuset.mem_exclusive", &mut into.mem_exclusive),
        ("cpuset.memory_migrate", &mut into.memory_migrate),
        ("cpuset.memory_spread_page", &mut into.memory_spread_page),
        ("cpuset.memory_spread_slab", &mut into.memory_spread_slab),
        ("cpuset.memory_pressure", &mut into.memory_pressure),
        ("cpuset.sched_load_balance", &mut into.sched_load_balance),
    ];
    for (name, field) in flags {
        if let Some(v) = parse::number(dir, name)? {
            *field = v;
        }
    }
    if let Some(level) = parse::signed(dir, "cpuset.sched_relax_domain_level")? {
        into.sched_relax_domain_level = level;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::super::parse::tests::Fixture;
    use super::*;

    #[test]
    fn cpuacct_converts_ticks_to_nanoseconds_and_splits_usage_all_per_cpu() {
        let f = Fixture::new(
            "cpuacct",
            &[
                ("cpuacct.usage", "13040150\n"),
                ("cpuacct.usage_percpu", "8379666 4660484 \n"),
                ("cpuacct.usage_all", "cpu user system\n0 100 8000000\n1 200 7000000\n"),
                ("cpuacct.usage_percpu_sys", "1 1 \n"),
                ("cpuacct.stat", "user 3\nsystem 1\n"),
            ],
        );
        let mut u = CpuUsage::default();
        usage(&f.0, &mut u).unwrap();
        assert_eq!(u.total, 13040150);
        assert_eq!(u.percpu, [8379666, 4660484]);
        assert_eq!(u.percpu_user, [100, 200]);
        assert_eq!(u.percpu_kernel, [8000000, 7000000]);
        assert_eq!(u.user, 30_000_000);
        assert_eq!(u.kernel, 10_000_000);
    }

    #[test]
    fn cpuacct_falls_back_to_percpu_sys_and_user_files_before_usage_all_existed() {
        let f = Fixture::new(
            "cpuacct-old",
            &[("cpuacct.usage_percpu_sys", "5 6 \n"), ("cpuacct.usage_percpu_user", "7 8 \n")],
        );
        let mut u = CpuUsage::default();
        usage(&f.0, &mut u).unwrap();
        assert_eq!((u.percpu_kernel, u.percpu_user), (vec![5, 6], vec![7, 8]));
        assert_eq!(u.total, 0);
    }

    #[test]
    fn cpu_stat_fills_throttling_and_ignores_burst_counters() {
        let stat = "nr_periods 33\nnr_throttled 29\nthrottled_time 2475194491\nnr_bursts 0\nburst_time 0\n";
        let f = Fixture::new("cpu", &[("cpu.stat", stat)]);
        let mut t = Throttling::default();
        throttling(&f.0, &mut t).unwrap();
        assert_eq!(t, Throttling { periods: 33, throttled_periods: 29, throttled_time: 2475194491 });
    }

    #[test]
    fn cpuset_reads_lists_flags_and_the_negative_relax_level() {
        let f = Fixture::new(
            "cpuset",
            &[
                ("cpuset.cpus", "0-1,3\n"),
                ("cpuset.mems", "0\n"),
                ("cpuset.cpu_exclusive", "0\n"),
                ("cpuset.sched_load_balance", "1\n"),
                ("cpuset.sched_relax_domain_level", "-1\n"),
            ],
        );
        let mut c = CpuSet::default();
        cpuset(&f.0, &mut c).unwrap();
        assert_eq!(c.cpus, [0, 1, 3]);
        assert_eq!(c.mems, [0]);
        assert_eq!(c.sched_load_balance, 1);
        assert_eq!(c.sched_relax_domain_level, -1);
    }
}

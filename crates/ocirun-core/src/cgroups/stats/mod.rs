//! Resource usage of a container's cgroups, in the JSON shape runc's `events` prints.
//!
//! `read_v1` and `read_v2` add to one [`Stats`]: on a hybrid host the caller reads the v1
//! hierarchies first, then the unified directory for what only it has (hugetlb here). A missing
//! hierarchy or file is skipped; content that does not parse is a [`CgroupError::Parse`].
//!
//! [`CgroupError::Parse`]: super::error::CgroupError::Parse

mod parse;
mod pids;
mod types;
mod v1;
mod v2;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::Result;
pub use types::{
    Blkio, BlkioEntry, Cpu, CpuSet, CpuUsage, Hugetlb, IntelRdt, Memory, MemoryEntry, NetworkInterface, Pids, Stats,
    Throttling,
};

/// Adds what the v1 hierarchies in `dirs` (controller name -> the container's directory in
/// that hierarchy, e.g. "memory" -> /sys/fs/cgroup/memory/x) report. A key naming co-mounted
/// controllers ("cpu,cpuacct") is read for each of them.
pub fn read_v1(dirs: &BTreeMap<String, PathBuf>, into: &mut Stats) -> Result<()> {
    v1::read(dirs, into)
}

/// Adds what the cgroup v2 directory `dir` reports (only the controllers it has).
pub fn read_v2(dir: &Path, into: &mut Stats) -> Result<()> {
    v2::read(dir, into)
}

#[cfg(test)]
mod tests {
    use std::process::Command;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::cgroups::testing::{is_root, Reaped, ScratchCgroup};

    fn scratch_name() -> String {
        format!("ocirun-stats-test-{}", std::process::id())
    }

    #[test]
    fn a_process_in_scratch_v1_cgroups_shows_up_in_memory_pids_and_cpu_stats() {
        if !is_root() || !Path::new("/sys/fs/cgroup/memory/cgroup.procs").exists() {
            eprintln!("skipped: needs root and a v1 memory hierarchy");
            return;
        }
        let memory = ScratchCgroup::new(Path::new("/sys/fs/cgroup/memory"), &scratch_name()).unwrap();
        let others: Vec<(&str, ScratchCgroup)> = ["pids", "cpuacct", "cpu"]
            .into_iter()
            .filter_map(|c| Some((c, ScratchCgroup::new(&Path::new("/sys/fs/cgroup").join(c), &scratch_name())?)))
            .collect();

        // The shell joins the cgroups before exec, so that sleep's memory is charged to them
        // (v1 does not move existing charges with a process).
        let mut join = format!("echo $$ > {:?}/cgroup.procs", memory.0);
        for (_, cg) in &others {
            join.push_str(&format!(" && echo $$ > {:?}/cgroup.procs", cg.0));
        }
        let child = Reaped(Command::new("sh").arg("-c").arg(format!("{join} && exec sleep 5")).spawn().unwrap());
        let started = Instant::now();
        while std::fs::read_to_string(format!("/proc/{}/comm", child.0.id())).unwrap_or_default().trim() != "sleep" {
            assert!(started.elapsed() < Duration::from_secs(5), "the child never ran sleep");
            std::thread::sleep(Duration::from_millis(10));
        }

        let mut dirs = BTreeMap::from([("memory".to_string(), memory.0.clone())]);
        dirs.extend(others.iter().map(|(c, cg)| (c.to_string(), cg.0.clone())));
        let mut stats = Stats::default();
        read_v1(&dirs, &mut stats).unwrap();

        assert!(stats.memory.usage.usage > 0, "{:?}", stats.memory);
        assert!(stats.memory.usage.limit > 0);
        assert!(!stats.memory.raw.is_empty());
        let json = serde_json::to_value(&stats).unwrap();
        assert!(json["memory"]["usage"]["failcnt"].is_u64());
        if others.iter().any(|(c, _)| *c == "pids") {
            assert_eq!(stats.pids.current, 1);
            assert_eq!(stats.pids.limit, 0, "pids.max is \"max\" in a new cgroup");
        }
        if others.iter().any(|(c, _)| *c == "cpuacct") {
            let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
            assert!(stats.cpu.usage.percpu.len() >= cpus, "{:?}", stats.cpu.usage);
            assert_eq!(stats.cpu.usage.percpu.iter().sum::<u64>(), stats.cpu.usage.total);
        }
        if others.iter().any(|(c, _)| *c == "cpu") {
            assert_eq!(stats.cpu.throttling, Throttling::default(), "no quota, so no throttling");
        }
    }
}

//! A container's cgroups as one unit: where they are, creating them, applying limits,
//! freezing, listing and killing the processes, stats, and removing them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::devices::Rule;
use super::error::{CgroupError, Result};
use super::file;
use super::layout::Layout;
use super::path::CgroupsPath;
use super::stats::{self, Stats};
use super::v1::{self, FreezerState, V1};
use super::v2::{self, V2};
use super::validate::{served, Served};
use crate::spec::Resources;

/// Where a container's cgroups are: all a later ocirun call needs to manage them. Stored in
/// the container's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CgroupPaths {
    /// The container's directory in each v1 hierarchy, keyed as runc keys them.
    #[serde(default)]
    pub v1: BTreeMap<String, PathBuf>,
    /// The unified hierarchy's mountpoint and the container's directory in it.
    #[serde(default)]
    pub unified_mountpoint: Option<PathBuf>,
    #[serde(default)]
    pub unified: Option<PathBuf>,
    /// The directories this container created (outermost first), and so removes.
    #[serde(default)]
    pub created: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Manager {
    v1: V1,
    v2: Option<V2>,
    created: Vec<PathBuf>,
}

/// Controllers a resources block uses, by their cgroup names (v1 and v2 names both).
fn wanted_controllers(r: &Resources) -> BTreeSet<&'static str> {
    let mut c = BTreeSet::new();
    if r.memory.is_some() {
        c.insert("memory");
    }
    if let Some(cpu) = &r.cpu {
        c.insert("cpu");
        if cpu.cpus.is_some() || cpu.mems.is_some() {
            c.insert("cpuset");
        }
    }
    if r.pids.is_some() {
        c.insert("pids");
    }
    if r.block_io.is_some() {
        c.insert("io");
    }
    if !r.hugepage_limits.is_empty() {
        c.insert("hugetlb");
    }
    if !r.rdma.is_empty() {
        c.insert("rdma");
    }
    for key in r.unified.keys() {
        if let Some(ctrl) = key.split('.').next() {
            for known in ["memory", "cpu", "cpuset", "pids", "io", "hugetlb", "rdma", "misc"] {
                if ctrl == known {
                    c.insert(known);
                }
            }
        }
    }
    c
}

impl Manager {
    /// Where the cgroups of container `id` go on this host.
    pub fn plan(layout: &Layout, own: &[(Vec<String>, PathBuf)], path: &CgroupsPath) -> Manager {
        let dirs = layout.v1.iter().map(|h| (h.key(), path.dir_in(h, own))).collect();
        let v2 = layout.unified.as_ref().map(|h| V2 { mountpoint: h.mountpoint.clone(), dir: path.dir_in(h, own) });
        Manager { v1: V1 { dirs }, v2, created: Vec::new() }
    }

    /// The directories creating these cgroups would make, as of now: what a create that dies
    /// halfway may have left, and what `delete --force` must then remove.
    pub fn missing_dirs(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for dir in self.v1.dirs.values().chain(self.v2.iter().map(|v| &v.dir)) {
            let mut cur = dir.clone();
            let mut missing = Vec::new();
            while !cur.exists() {
                missing.push(cur.clone());
                if !cur.pop() {
                    break;
                }
            }
            out.extend(missing.into_iter().rev());
        }
        out
    }

    /// Records `dirs` as made by this container (see `missing_dirs`).
    pub fn with_created(mut self, dirs: Vec<PathBuf>) -> Manager {
        self.created = dirs;
        self
    }

    pub fn from_paths(p: &CgroupPaths) -> Manager {
        let v2 = match (&p.unified_mountpoint, &p.unified) {
            (Some(m), Some(d)) => Some(V2 { mountpoint: m.clone(), dir: d.clone() }),
            _ => None,
        };
        Manager { v1: V1 { dirs: p.v1.clone() }, v2, created: p.created.clone() }
    }

    pub fn paths(&self) -> CgroupPaths {
        CgroupPaths {
            v1: self.v1.dirs.clone(),
            unified_mountpoint: self.v2.as_ref().map(|v| v.mountpoint.clone()),
            unified: self.v2.as_ref().map(|v| v.dir.clone()),
            created: self.created.clone(),
        }
    }

    /// The container's cgroup v2 directory, if the host has the unified hierarchy.
    pub fn unified_dir(&self) -> Option<&Path> {
        self.v2.as_ref().map(|v| v.dir.as_path())
    }

    /// The v1 cgroup.procs files the init must join (v2 placement happens at clone time).
    pub fn v1_procs_files(&self) -> Vec<PathBuf> {
        self.v1.dirs.values().map(|d| d.join("cgroup.procs")).collect()
    }

    /// Creates the directories. On a pure v2 host every available controller is delegated (as
    /// runc does); on a hybrid host only those the resources need and v1 does not serve.
    /// A cgroup that exists already must hold no process: sharing one would let one
    /// container's operations act on another.
    pub fn create(&mut self, layout: &Layout, r: &Resources) -> Result<()> {
        for dir in self.v1.dirs.values().chain(self.v2.iter().map(|v| &v.dir)) {
            if dir.join("cgroup.procs").exists() && !file::read_pids(dir)?.is_empty() {
                return Err(CgroupError::invalid("cgroupsPath", format!("the cgroup {dir:?} already has processes")));
            }
        }
        let result = self.create_dirs(layout, r);
        if result.is_err() {
            let _ = self.destroy();
        }
        result
    }

    fn create_dirs(&mut self, layout: &Layout, r: &Resources) -> Result<()> {
        self.created.extend(self.v1.create()?);
        if let Some(v2) = &self.v2 {
            let wanted: BTreeSet<String> = if layout.v1.is_empty() {
                layout.unified_controllers.clone()
            } else {
                wanted_controllers(r)
                    .into_iter()
                    .filter(|c| served(layout, c) == Served::V2)
                    .map(str::to_string)
                    .collect()
            };
            self.created.extend(v2.create(&wanted)?);
        }
        Ok(())
    }

    /// Applies the limits: each controller where it is served, the device rules through the v1
    /// devices controller, or an eBPF program on cgroup v2.
    pub fn set(&self, r: &Resources, device_rules: Option<&[Rule]>) -> Result<()> {
        let v1_devices = self.v1.has("devices");
        self.v1.set(r, device_rules.filter(|_| v1_devices))?;
        if let Some(v2) = &self.v2 {
            let controllers = v2.controllers()?;
            let served_by_v2: BTreeSet<String> =
                controllers.into_iter().filter(|c| !self.v1.controllers().any(|v| v == c)).collect();
            v2::set(&v2.dir, r, device_rules.filter(|_| !v1_devices), &served_by_v2)?;
        }
        Ok(())
    }

    pub fn freeze(&self, frozen: bool) -> Result<()> {
        match (self.v1.freezer(), &self.v2) {
            (Some(dir), _) => v1::freeze(dir, frozen),
            (None, Some(v2)) => v2::freeze(&v2.dir, frozen),
            (None, None) => Err(CgroupError::NoController { field: "pause", controller: "freezer" }),
        }
    }

    pub fn is_frozen(&self) -> Result<bool> {
        match (self.v1.freezer(), &self.v2) {
            (Some(dir), _) => Ok(v1::freezer_state(dir)? == FreezerState::Frozen),
            (None, Some(v2)) => v2::is_frozen(&v2.dir),
            (None, None) => Ok(false),
        }
    }

    /// The processes in the container's cgroup.
    pub fn pids(&self) -> Result<Vec<i32>> {
        match (self.v1.dir_of("pids").or_else(|| self.v1.freezer()).or_else(|| self.v1.any_dir()), &self.v2) {
            (Some(dir), _) => file::read_pids(dir),
            (None, Some(v2)) => file::read_pids(&v2.dir),
            (None, None) => Ok(Vec::new()),
        }
    }

    /// Signals every process of the container. SIGKILL on cgroup v2 goes through cgroup.kill,
    /// which no fork can escape; otherwise the cgroup is frozen while it is signalled, so that
    /// no process forks past the signal, then thawed.
    pub fn kill_all(&self, signal: i32) -> Result<()> {
        if let Some(v2) = self
            .v2
            .as_ref()
            .filter(|v| signal == libc::SIGKILL && self.v1.freezer().is_none() && file::exists(&v.dir, "cgroup.kill"))
        {
            return file::write(&v2.dir, "cgroup.kill", "1");
        }
        let frozen = self.freeze(true).is_ok();
        let result = self.pids().map(|pids| {
            for pid in pids {
                // A process may exit meanwhile; that is the signal's goal anyway.
                let _ = crate::sys::pidfd::kill(pid, signal);
            }
        });
        if frozen {
            self.freeze(false)?;
        }
        result
    }

    pub fn stats(&self) -> Result<Stats> {
        let mut s = Stats::default();
        let mut by_controller = BTreeMap::new();
        for (key, dir) in &self.v1.dirs {
            for c in key.split(',') {
                by_controller.insert(c.to_string(), dir.clone());
            }
        }
        stats::read_v1(&by_controller, &mut s)?;
        if let Some(v2) = &self.v2 {
            stats::read_v2(&v2.dir, &mut s)?;
        }
        Ok(s)
    }

    /// Removes the directories this container created, innermost first, killing what is left
    /// in them first.
    pub fn destroy(&self) -> Result<()> {
        let mut dirs = self.created.clone();
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        let mut first_error = None;
        for dir in &dirs {
            if let Err(e) = remove(self, dir) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// rmdir, retried while the kernel still counts exiting processes in the cgroup.
fn remove(m: &Manager, dir: &Path) -> Result<()> {
    if dir.join("cgroup.procs").exists() && !file::read_pids(dir)?.is_empty() {
        m.kill_all(libc::SIGKILL)?;
    }
    let start = Instant::now();
    loop {
        match file::remove_dir(dir) {
            Err(CgroupError::Remove { errno: crate::sys::Errno::EBUSY, .. }) => {
                if start.elapsed() > Duration::from_secs(5) {
                    return Err(CgroupError::Busy { path: dir.to_path_buf() });
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroups::testing::{hybrid_layout, is_root, Reaped};

    fn layout() -> Layout {
        hybrid_layout(&["hugetlb"])
    }

    #[test]
    fn a_cgroup_v2_directory_holds_freezes_kills_and_goes_away() {
        let unified = Path::new("/sys/fs/cgroup/unified");
        if !is_root() || !unified.join("cgroup.procs").exists() {
            eprintln!("skipped: needs root and a cgroup2 hierarchy at {unified:?}");
            return;
        }
        let dir = unified.join(format!("ocirun-manager-test-{}", std::process::id()));
        let paths = CgroupPaths {
            unified_mountpoint: Some(unified.to_path_buf()),
            unified: Some(dir.clone()),
            ..Default::default()
        };
        let mut m = Manager::from_paths(&paths);
        let host = crate::cgroups::layout::detect().expect("layout");
        m.create(&host, &Resources::default()).expect("create");
        let child = Reaped(std::process::Command::new("sleep").arg("30").spawn().expect("spawn sleep"));
        let pid = child.0.id() as i32;
        std::fs::write(dir.join("cgroup.procs"), pid.to_string()).expect("join");

        assert_eq!(m.pids().expect("pids"), vec![pid]);
        m.freeze(true).expect("freeze");
        assert!(m.is_frozen().expect("state"));
        m.freeze(false).expect("thaw");
        assert!(!m.is_frozen().expect("state"));
        m.kill_all(libc::SIGKILL).expect("kill");
        let mut child = child;
        let status = child.0.wait().expect("wait");
        assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(libc::SIGKILL));
        m.destroy().expect("destroy");
        assert!(!dir.exists(), "the directory it created is gone");
    }

    #[test]
    fn a_hybrid_plan_has_a_directory_per_hierarchy_and_one_unified() {
        let own = vec![(vec!["memory".to_string()], PathBuf::from("/svc")), (vec![], PathBuf::from("/"))];
        let m = Manager::plan(&layout(), &own, &CgroupsPath::parse(None, "c1").expect("path"));
        let p = m.paths();
        assert_eq!(p.v1.get("cpu"), Some(&PathBuf::from("/sys/fs/cgroup/cpu/c1")));
        assert_eq!(p.v1.get("memory"), Some(&PathBuf::from("/sys/fs/cgroup/memory/svc/c1")));
        assert_eq!(p.unified, Some(PathBuf::from("/sys/fs/cgroup/unified/c1")));
    }

    #[test]
    fn paths_round_trip_through_the_state() {
        let own = vec![];
        let m = Manager::plan(&layout(), &own, &CgroupsPath::parse(Some("/a/b"), "c1").expect("path"));
        let json = serde_json::to_string(&m.paths()).expect("json");
        let back: CgroupPaths = serde_json::from_str(&json).expect("json");
        assert_eq!(Manager::from_paths(&back).paths(), m.paths());
    }

    #[test]
    fn resources_name_the_controllers_they_use() {
        let r: Resources =
            serde_json::from_str(r#"{"cpu":{"cpus":"0"},"hugepageLimits":[{"pageSize":"2MB","limit":0}]}"#)
                .expect("json");
        let c = wanted_controllers(&r);
        assert!(c.contains("cpuset") && c.contains("hugetlb") && c.contains("cpu"));
    }
}

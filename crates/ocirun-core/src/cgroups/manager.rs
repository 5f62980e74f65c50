//! The interface every cgroup driver gives a container's cgroups (where they are, creating
//! them, placing a process, applying limits, freezing, listing and killing the processes,
//! stats, and removing them), and the choice of driver for a host's layout.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::devices::Rule;
use super::error::{CgroupError, Result};
use super::file;
use super::hybrid::Hybrid;
use super::layout::Layout;
use super::path::CgroupsPath;
use super::stats::Stats;
use super::v1::V1;
use super::v2::V2;
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

impl CgroupPaths {
    /// The existing sub-cgroup `rel` below these cgroups, for the v1 controllers named in
    /// `controllers` (all, and the unified hierarchy, when None). Nothing of it is the
    /// container's to remove.
    pub fn below(&self, controllers: Option<&[&str]>, rel: &Path) -> Result<CgroupPaths> {
        let wanted = |key: &str| controllers.is_none_or(|c| c.contains(&key));
        if let Some(unknown) = controllers.and_then(|c| c.iter().find(|k| !self.v1.contains_key(**k))) {
            return Err(CgroupError::setting("--cgroup", format!("the container has no {unknown} cgroup")));
        }
        let v1 =
            self.v1.iter().map(|(k, dir)| (k.clone(), if wanted(k) { dir.join(rel) } else { dir.clone() })).collect();
        let unified = self.unified.as_ref().map(|u| if controllers.is_none() { u.join(rel) } else { u.clone() });
        Ok(CgroupPaths { v1, unified_mountpoint: self.unified_mountpoint.clone(), unified, created: Vec::new() })
    }
}

/// A container's cgroups, whatever the host's layout: the v1 driver (one hierarchy per
/// controller), the v2 driver (the unified hierarchy) or the hybrid one (both, each
/// controller served where it is mounted).
pub trait Manager: std::fmt::Debug + Send + Sync {
    /// Where the cgroups are, as state.json records them.
    fn paths(&self) -> CgroupPaths;

    /// The container's directory in each hierarchy.
    fn dirs(&self) -> Vec<&Path>;

    /// The directory clone3(CLONE_INTO_CGROUP) can place the container's init in, when that
    /// one placement covers every hierarchy; otherwise the init's parent joins the cgroups
    /// with `apply` before it clones.
    fn clone_into(&self) -> Option<&Path>;

    /// Creates the directories (the ones that did not exist are recorded as this
    /// container's). A cgroup that exists already must hold no process: sharing one would let
    /// one container's operations act on another. On failure nothing is left.
    fn create(&mut self, layout: &Layout, r: &Resources) -> Result<()>;

    /// Moves process `pid` into every one of the container's cgroups.
    fn apply(&self, pid: i32) -> Result<()> {
        let pid = pid.to_string();
        self.dirs().into_iter().try_for_each(|d| file::write(d, "cgroup.procs", &pid))
    }

    /// Applies the limits, and the device rules where given.
    fn set(&self, r: &Resources, device_rules: Option<&[Rule]>) -> Result<()>;

    fn freeze(&self, frozen: bool) -> Result<()>;

    fn is_frozen(&self) -> Result<bool>;

    /// The processes in the container's cgroups.
    fn pids(&self) -> Result<Vec<i32>>;

    /// Signals every process of the container.
    fn kill_all(&self, signal: i32) -> Result<()>;

    /// Adds what the cgroups report to `s`.
    fn read_stats(&self, s: &mut Stats) -> Result<()>;

    fn stats(&self) -> Result<Stats> {
        let mut s = Stats::default();
        self.read_stats(&mut s)?;
        Ok(s)
    }

    /// Removes the directories this container created, innermost first, killing what is left
    /// in them first.
    fn destroy(&self) -> Result<()> {
        remove_created(self, &self.paths().created)
    }

    /// The directories creating these cgroups would make, as of now: what a create that dies
    /// halfway may have left, and what `delete --force` must then remove.
    fn missing_dirs(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for dir in self.dirs() {
            let mut cur = dir.to_path_buf();
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
}

/// The driver for this host's layout, with the container's directories placed by `path`
/// (relative paths below the runtime's own cgroups, `own`). Nothing is created.
pub fn plan(layout: &Layout, own: &[(Vec<String>, PathBuf)], path: &CgroupsPath) -> Box<dyn Manager> {
    let dirs = layout.v1.iter().map(|h| (h.key(), path.dir_in(h, own))).collect();
    let unified = layout.unified.as_ref().map(|h| (h.mountpoint.clone(), path.dir_in(h, own)));
    open(&CgroupPaths {
        v1: dirs,
        unified_mountpoint: unified.as_ref().map(|u| u.0.clone()),
        unified: unified.map(|u| u.1),
        created: Vec::new(),
    })
}

/// The driver for cgroups recorded earlier (see `Manager::paths`).
pub fn open(p: &CgroupPaths) -> Box<dyn Manager> {
    let unified = match (&p.unified_mountpoint, &p.unified) {
        (Some(m), Some(d)) => Some((m.clone(), d.clone())),
        _ => None,
    };
    let (v2_created, v1_created): (Vec<PathBuf>, Vec<PathBuf>) =
        p.created.iter().cloned().partition(|d| unified.as_ref().is_some_and(|(m, _)| d.starts_with(m)));
    let v1 = V1::new(p.v1.clone(), v1_created);
    match unified {
        Some((mountpoint, dir)) => {
            let v2 = V2::new(mountpoint, dir, v2_created);
            if p.v1.is_empty() {
                Box::new(v2)
            } else {
                Box::new(Hybrid::new(v1, v2))
            }
        }
        None => Box::new(v1),
    }
}

/// The same cgroups with nothing recorded as created: what a create starts from.
pub fn without_created(m: &dyn Manager) -> Box<dyn Manager> {
    open(&CgroupPaths { created: Vec::new(), ..m.paths() })
}

/// The same cgroups with `dirs` recorded as created by this container.
pub fn with_created(m: &dyn Manager, dirs: Vec<PathBuf>) -> Box<dyn Manager> {
    open(&CgroupPaths { created: dirs, ..m.paths() })
}

/// Controllers a resources block uses, by their cgroup names (v1 and v2 names both).
pub(super) fn wanted_controllers(r: &Resources) -> BTreeSet<&'static str> {
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

/// Refuses cgroups that exist already and hold processes.
pub(super) fn ensure_unused<'a>(dirs: impl IntoIterator<Item = &'a Path>) -> Result<()> {
    for dir in dirs {
        if dir.join("cgroup.procs").exists() && !file::read_pids(dir)?.is_empty() {
            return Err(CgroupError::setting("linux.cgroupsPath", format!("the cgroup {dir:?} already has processes")));
        }
    }
    Ok(())
}

/// Signals every process while the cgroup is frozen, so that no process forks past the
/// signal, then thaws it. Works without a freezer too, only less strictly.
pub(super) fn signal_frozen<M: Manager + ?Sized>(m: &M, signal: i32) -> Result<()> {
    let frozen = m.freeze(true).is_ok();
    let result = m.pids().map(|pids| {
        for pid in pids {
            // A process may exit meanwhile; that is the signal's goal anyway.
            let _ = crate::sys::pidfd::kill(pid, signal);
        }
    });
    if frozen {
        m.freeze(false)?;
    }
    result
}

/// Removes `created`, innermost first; what still runs in them is killed through `m` first.
/// Every directory is tried; the first error is returned.
fn remove_created<M: Manager + ?Sized>(m: &M, created: &[PathBuf]) -> Result<()> {
    let mut dirs = created.to_vec();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    let own: BTreeSet<PathBuf> = m.dirs().into_iter().map(Path::to_path_buf).collect();
    let mut first_error = None;
    for dir in &dirs {
        let removed = if own.contains(dir) { remove(m, dir) } else { remove_parent(dir) };
        if let Err(e) = removed {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// rmdir of one of the container's own cgroups, its processes killed first, retried while
/// the kernel still counts exiting processes in it.
fn remove<M: Manager + ?Sized>(m: &M, dir: &Path) -> Result<()> {
    if dir.join("cgroup.procs").exists() && !file::read_pids(dir)?.is_empty() {
        m.kill_all(libc::SIGKILL)?;
    }
    retry_while_busy(dir, || true)
}

/// rmdir of a parent the container created for its cgroup (an absolute cgroupsPath such as
/// /ns/id): left alone once another container's cgroup lives in it, as runc leaves parents.
fn remove_parent(dir: &Path) -> Result<()> {
    let has_children = || {
        std::fs::read_dir(dir)
            .map(|entries| entries.flatten().any(|e| e.file_type().is_ok_and(|t| t.is_dir())))
            .unwrap_or(false)
    };
    match retry_while_busy(dir, || !has_children()) {
        Err(CgroupError::Remove { errno: crate::sys::Errno::EBUSY | crate::sys::Errno::ENOTEMPTY, .. }) => Ok(()),
        other => other,
    }
}

/// rmdir, retried for a while on EBUSY as long as `transient` says the kernel is only
/// finishing with what was in it.
fn retry_while_busy(dir: &Path, transient: impl Fn() -> bool) -> Result<()> {
    let start = Instant::now();
    loop {
        match file::remove_dir(dir) {
            Err(CgroupError::Remove { errno: crate::sys::Errno::EBUSY, .. }) if transient() => {
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
        let mut m = open(&paths);
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
        let m = plan(&layout(), &own, &CgroupsPath::parse(None, "c1").expect("path"));
        let p = m.paths();
        assert_eq!(p.v1.get("cpu"), Some(&PathBuf::from("/sys/fs/cgroup/cpu/c1")));
        assert_eq!(p.v1.get("memory"), Some(&PathBuf::from("/sys/fs/cgroup/memory/svc/c1")));
        assert_eq!(p.unified, Some(PathBuf::from("/sys/fs/cgroup/unified/c1")));
    }

    #[test]
    fn paths_round_trip_through_the_state() {
        let own = vec![];
        let m = plan(&layout(), &own, &CgroupsPath::parse(Some("/a/b"), "c1").expect("path"));
        let json = serde_json::to_string(&m.paths()).expect("json");
        let back: CgroupPaths = serde_json::from_str(&json).expect("json");
        assert_eq!(open(&back).paths(), m.paths());
    }

    /// Scratch directories standing in for a v1 hierarchy and the unified one, each with the
    /// container's directory and an empty cgroup.procs.
    struct FakeHost(PathBuf);

    impl FakeHost {
        fn new(name: &str) -> FakeHost {
            let root = std::env::temp_dir().join(format!("ocirun-manager-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            for d in ["pids/c1", "unified/c1"] {
                std::fs::create_dir_all(root.join(d)).expect("mkdir");
                std::fs::write(root.join(d).join("cgroup.procs"), "").expect("write");
            }
            FakeHost(root)
        }

        fn paths(&self, v1: bool, v2: bool) -> CgroupPaths {
            CgroupPaths {
                v1: if v1 { BTreeMap::from([("pids".to_string(), self.0.join("pids/c1"))]) } else { BTreeMap::new() },
                unified_mountpoint: v2.then(|| self.0.join("unified")),
                unified: v2.then(|| self.0.join("unified/c1")),
                created: Vec::new(),
            }
        }
    }

    impl Drop for FakeHost {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn only_a_pure_v2_host_places_the_init_at_clone_time() {
        let host = FakeHost::new("placement");
        assert_eq!(open(&host.paths(true, false)).clone_into(), None);
        assert_eq!(open(&host.paths(false, true)).clone_into(), Some(host.0.join("unified/c1").as_path()));
        assert_eq!(open(&host.paths(true, true)).clone_into(), None, "hybrid: v1 needs a join anyway");
    }

    #[test]
    fn apply_puts_the_process_in_every_hierarchy() {
        let host = FakeHost::new("apply");
        open(&host.paths(true, true)).apply(4321).expect("apply");
        for d in ["pids/c1", "unified/c1"] {
            assert_eq!(std::fs::read_to_string(host.0.join(d).join("cgroup.procs")).expect("read"), "4321");
        }
    }

    #[test]
    fn each_driver_keeps_its_own_created_directories() {
        let host = FakeHost::new("created");
        let mut paths = host.paths(true, true);
        paths.created = vec![host.0.join("pids/c1"), host.0.join("unified/c1")];
        let reopened = open(&paths).paths();
        assert_eq!(reopened, paths);
        let v2_only = CgroupPaths { v1: BTreeMap::new(), created: vec![host.0.join("unified/c1")], ..paths };
        assert_eq!(open(&v2_only).paths(), v2_only);
    }

    #[test]
    fn a_parent_another_cgroup_lives_in_is_left_alone() {
        let host = FakeHost::new("parent");
        for d in ["pids/c1", "unified/c1"] {
            std::fs::remove_file(host.0.join(d).join("cgroup.procs")).expect("rm");
        }
        // c1 sits in a parent this container created, beside another container's c2.
        let parent = host.0.join("pids");
        std::fs::create_dir(parent.join("c2")).expect("mkdir");
        let mut paths = host.paths(true, false);
        paths.created = vec![parent.clone(), host.0.join("pids/c1")];
        open(&paths).destroy().expect("destroy succeeds");
        assert!(!host.0.join("pids/c1").exists());
        assert!(parent.join("c2").exists(), "the other container's cgroup and its parent stay");
    }

    #[test]
    fn destroy_removes_only_what_the_container_created() {
        let host = FakeHost::new("destroy");
        // Regular files cannot be rmdir'ed, so the fake cgroup.procs goes first.
        for d in ["pids/c1", "unified/c1"] {
            std::fs::remove_file(host.0.join(d).join("cgroup.procs")).expect("rm");
        }
        let mut paths = host.paths(true, true);
        paths.created = vec![host.0.join("unified/c1")];
        open(&paths).destroy().expect("destroy");
        assert!(!host.0.join("unified/c1").exists());
        assert!(host.0.join("pids/c1").exists(), "an existing cgroup is not ours to remove");
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

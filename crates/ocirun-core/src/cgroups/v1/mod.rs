//! The cgroup v1 driver: one directory per mounted hierarchy.

mod blkio;
mod cpu;
mod freezer;
mod memory;
mod misc;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::devices::Rule;
use super::error::{CgroupError, Result};
use super::file;
use super::layout::Layout;
use super::manager::{self, CgroupPaths, Manager};
use super::stats::{self, Stats};
use crate::spec::Resources;

pub use freezer::FreezerState;

/// The container's directory in each v1 hierarchy, keyed as runc keys them ("cpu",
/// "cpu,cpuacct", "name=systemd").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct V1 {
    dirs: BTreeMap<String, PathBuf>,
    /// The directories this container made, and so removes.
    created: Vec<PathBuf>,
}

impl V1 {
    pub fn new(dirs: BTreeMap<String, PathBuf>, created: Vec<PathBuf>) -> V1 {
        V1 { dirs, created }
    }

    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }

    pub fn created(&self) -> &[PathBuf] {
        &self.created
    }

    /// The directory of the hierarchy that has `controller`.
    pub fn dir_of(&self, controller: &str) -> Option<&Path> {
        self.dirs.iter().find(|(key, _)| key.split(',').any(|c| c == controller)).map(|(_, d)| d.as_path())
    }

    pub fn has(&self, controller: &str) -> bool {
        self.dir_of(controller).is_some()
    }

    /// The controllers of these hierarchies ("name=" hierarchies are not controllers).
    pub fn controllers(&self) -> impl Iterator<Item = &str> {
        self.dirs.keys().flat_map(|k| k.split(',')).filter(|c| !c.starts_with("name="))
    }

    /// Creates every directory, recording the ones that did not exist.
    pub fn create_dirs(&mut self) -> Result<()> {
        for (key, dir) in &self.dirs {
            let made = file::create_dirs(dir)?;
            // Recorded at once, so that a failure below still removes them.
            self.created.extend(made.iter().cloned());
            if key.split(',').any(|c| c == "cpuset") {
                // A new cpuset cgroup starts with no CPUs and no memory nodes, and no process
                // may join it until it has some: it inherits its parent's.
                for d in &made {
                    cpu::inherit_cpuset(d)?;
                }
            }
        }
        Ok(())
    }

    /// Applies the resources the v1 hierarchies serve, in runc's order; the device rules go
    /// to the devices hierarchy if there is one.
    pub fn set_resources(&self, r: &Resources, device_rules: Option<&[Rule]>) -> Result<()> {
        if let (Some(dir), Some(cpu)) = (self.dir_of("cpuset"), &r.cpu) {
            cpu::set_cpuset(dir, cpu)?;
        }
        if let (Some(dir), Some(rules)) = (self.dir_of("devices"), device_rules) {
            misc::set_devices(dir, rules)?;
        }
        if let (Some(dir), Some(m)) = (self.dir_of("memory"), &r.memory) {
            memory::set(dir, m)?;
        }
        if let (Some(dir), Some(cpu)) = (self.dir_of("cpu"), &r.cpu) {
            cpu::set_cpu(dir, cpu)?;
        }
        if let (Some(dir), Some(p)) = (self.dir_of("pids"), &r.pids) {
            misc::set_pids(dir, p)?;
        }
        if let (Some(dir), Some(b)) = (self.dir_of("blkio"), &r.block_io) {
            blkio::set(dir, b)?;
        }
        if let Some(dir) = self.dir_of("hugetlb") {
            misc::set_hugetlb(dir, &r.hugepage_limits)?;
        }
        if let Some(n) = &r.network {
            if let (Some(dir), Some(id)) = (self.dir_of("net_cls"), n.class_id) {
                file::write(dir, "net_cls.classid", id.to_string())?;
            }
            if let Some(dir) = self.dir_of("net_prio") {
                misc::set_net_prio(dir, &n.priorities)?;
            }
        }
        if let Some(dir) = self.dir_of("rdma") {
            misc::set_rdma(dir, &r.rdma)?;
        }
        Ok(())
    }

    pub fn freezer(&self) -> Option<&Path> {
        self.dir_of("freezer")
    }

    /// The directory to read the member processes from: pids, else freezer, else any.
    fn procs_dir(&self) -> Option<&Path> {
        self.dir_of("pids").or_else(|| self.freezer()).or_else(|| self.dirs.values().next().map(PathBuf::as_path))
    }
}

impl Manager for V1 {
    fn paths(&self) -> CgroupPaths {
        CgroupPaths { v1: self.dirs.clone(), created: self.created.clone(), ..Default::default() }
    }

    fn dirs(&self) -> Vec<&Path> {
        self.dirs.values().map(PathBuf::as_path).collect()
    }

    fn clone_into(&self) -> Option<&Path> {
        None
    }

    fn create(&mut self, _layout: &Layout, _r: &Resources) -> Result<()> {
        manager::ensure_unused(Manager::dirs(self))?;
        let result = self.create_dirs();
        if result.is_err() {
            let _ = self.destroy();
        }
        result
    }

    fn set(&self, r: &Resources, device_rules: Option<&[Rule]>) -> Result<()> {
        self.set_resources(r, device_rules)
    }

    fn freeze(&self, frozen: bool) -> Result<()> {
        match self.freezer() {
            Some(dir) => freeze(dir, frozen),
            None => Err(CgroupError::NoController { field: "pause", controller: "freezer" }),
        }
    }

    fn is_frozen(&self) -> Result<bool> {
        match self.freezer() {
            Some(dir) => Ok(freezer::state(dir)? == FreezerState::Frozen),
            None => Ok(false),
        }
    }

    fn pids(&self) -> Result<Vec<i32>> {
        self.procs_dir().map_or(Ok(Vec::new()), file::read_pids)
    }

    fn kill_all(&self, signal: i32) -> Result<()> {
        manager::signal_frozen(self, signal)
    }

    fn read_stats(&self, s: &mut Stats) -> Result<()> {
        let mut by_controller = BTreeMap::new();
        for (key, dir) in &self.dirs {
            for c in key.split(',') {
                by_controller.insert(c.to_string(), dir.clone());
            }
        }
        stats::read_v1(&by_controller, s)
    }
}

pub use freezer::{freeze, state as freezer_state};
pub use misc::rdma_line;

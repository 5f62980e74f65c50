//! The cgroup v1 part of a container's cgroups: one directory per mounted hierarchy.

mod blkio;
mod cpu;
mod freezer;
mod memory;
mod misc;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::devices::Rule;
use super::error::Result;
use super::file;
use crate::spec::Resources;

pub use freezer::FreezerState;

/// The container's directory in each v1 hierarchy, keyed as runc keys them ("cpu",
/// "cpu,cpuacct", "name=systemd").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct V1 {
    pub dirs: BTreeMap<String, PathBuf>,
}

impl V1 {
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

    /// Creates every directory; returns the ones that did not exist.
    pub fn create(&self) -> Result<Vec<PathBuf>> {
        let mut created = Vec::new();
        for (key, dir) in &self.dirs {
            let made = file::create_dirs(dir)?;
            if key.split(',').any(|c| c == "cpuset") {
                // A new cpuset cgroup starts with no CPUs and no memory nodes, and no process
                // may join it until it has some: it inherits its parent's.
                for d in &made {
                    cpu::inherit_cpuset(d)?;
                }
            }
            created.extend(made);
        }
        Ok(created)
    }

    /// Applies the resources the v1 hierarchies serve, in runc's order.
    pub fn set(&self, r: &Resources, device_rules: Option<&[Rule]>) -> Result<()> {
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

    /// The first hierarchy's directory, for reading the member processes.
    pub fn any_dir(&self) -> Option<&Path> {
        self.dirs.values().next().map(PathBuf::as_path)
    }
}

pub use freezer::{freeze, state as freezer_state};
pub use misc::rdma_line;

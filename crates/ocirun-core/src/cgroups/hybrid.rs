//! The hybrid driver: v1 hierarchies plus a cgroup2 mount, as on many hosts (and these
//! machines, where hugetlb is on the v2 side). Each controller is served where it is mounted;
//! cgroup v2 gets only the controllers no v1 hierarchy has.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::devices::Rule;
use super::error::Result;
use super::layout::Layout;
use super::manager::{self, wanted_controllers, CgroupPaths, Manager};
use super::stats::Stats;
use super::v1::V1;
use super::v2::V2;
use super::validate::{served, Served};
use crate::spec::Resources;

#[derive(Debug, Clone)]
pub struct Hybrid {
    v1: V1,
    v2: V2,
}

impl Hybrid {
    pub fn new(v1: V1, v2: V2) -> Hybrid {
        Hybrid { v1, v2 }
    }

    /// The v2 cgroup's controllers that no v1 hierarchy serves.
    fn served_by_v2(&self) -> Result<BTreeSet<String>> {
        Ok(self.v2.controllers()?.into_iter().filter(|c| !self.v1.controllers().any(|v| v == c)).collect())
    }

    fn create_both(&mut self, layout: &Layout, r: &Resources) -> Result<()> {
        self.v1.create_dirs()?;
        // Only what the resources need and v1 does not serve is delegated on the v2 side.
        let wanted: BTreeSet<String> =
            wanted_controllers(r).into_iter().filter(|c| served(layout, c) == Served::V2).map(str::to_string).collect();
        self.v2.create_with(&wanted)
    }
}

impl Manager for Hybrid {
    fn paths(&self) -> CgroupPaths {
        CgroupPaths { v1: self.v1.paths().v1, created: self.created(), ..self.v2.paths() }
    }

    fn dirs(&self) -> Vec<&Path> {
        let mut dirs = Manager::dirs(&self.v1);
        dirs.push(self.v2.dir());
        dirs
    }

    /// CLONE_INTO_CGROUP places a clone in the v2 cgroup only; the init's parent joins the v1
    /// hierarchies anyway, and then the v2 one costs nothing more.
    fn clone_into(&self) -> Option<&Path> {
        None
    }

    fn create(&mut self, layout: &Layout, r: &Resources) -> Result<()> {
        manager::ensure_unused(Manager::dirs(self))?;
        let result = self.create_both(layout, r);
        if result.is_err() {
            let _ = self.destroy();
        }
        result
    }

    /// Device rules go to the v1 devices hierarchy if there is one, else into an eBPF
    /// program on the v2 cgroup.
    fn set(&self, r: &Resources, device_rules: Option<&[Rule]>) -> Result<()> {
        let v1_devices = self.v1.has("devices");
        self.v1.set_resources(r, device_rules.filter(|_| v1_devices))?;
        self.v2.set_served(r, device_rules.filter(|_| !v1_devices), &self.served_by_v2()?)
    }

    fn freeze(&self, frozen: bool) -> Result<()> {
        if self.v1.freezer().is_some() {
            self.v1.freeze(frozen)
        } else {
            self.v2.freeze(frozen)
        }
    }

    fn is_frozen(&self) -> Result<bool> {
        if self.v1.freezer().is_some() {
            self.v1.is_frozen()
        } else {
            self.v2.is_frozen()
        }
    }

    fn pids(&self) -> Result<Vec<i32>> {
        if self.v1.is_empty() {
            self.v2.pids()
        } else {
            self.v1.pids()
        }
    }

    /// Processes frozen by the v1 freezer cannot act on a signal until thawed, so with a v1
    /// freezer the signal goes through it; without one, the v2 driver's way is used.
    fn kill_all(&self, signal: i32) -> Result<()> {
        if self.v1.freezer().is_some() {
            manager::signal_frozen(self, signal)
        } else {
            self.v2.kill_all(signal)
        }
    }

    fn read_stats(&self, s: &mut Stats) -> Result<()> {
        self.v1.read_stats(s)?;
        self.v2.read_stats(s)
    }
}

impl Hybrid {
    fn created(&self) -> Vec<PathBuf> {
        self.v1.created().iter().chain(self.v2.created()).cloned().collect()
    }
}

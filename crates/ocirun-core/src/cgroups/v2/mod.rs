//! The cgroup v2 driver: one directory in the unified hierarchy.

mod freeze;
mod set;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::devices::Rule;
use super::error::Result;
use super::file;
use super::layout::Layout;
use super::manager::{self, CgroupPaths, Manager};
use super::stats::{self, Stats};
use crate::spec::Resources;

pub use freeze::{freeze, is_frozen};
pub use set::set;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2 {
    /// The unified hierarchy's mountpoint.
    mountpoint: PathBuf,
    /// The container's directory.
    dir: PathBuf,
    /// The directories this container made, and so removes.
    created: Vec<PathBuf>,
}

impl V2 {
    pub fn new(mountpoint: PathBuf, dir: PathBuf, created: Vec<PathBuf>) -> V2 {
        V2 { mountpoint, dir, created }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn mountpoint(&self) -> &Path {
        &self.mountpoint
    }

    pub fn created(&self) -> &[PathBuf] {
        &self.created
    }

    /// The controllers this cgroup has (its cgroup.controllers).
    pub fn controllers(&self) -> Result<BTreeSet<String>> {
        controllers_of(&self.dir)
    }

    /// Creates the directory, enabling `controllers` in every ancestor's subtree_control on the
    /// way down (a controller reaches a cgroup only if its parent delegates it), and records
    /// the directories that did not exist.
    pub fn create_with(&mut self, controllers: &BTreeSet<String>) -> Result<()> {
        let rel = self.dir.strip_prefix(&self.mountpoint).unwrap_or(&self.dir).to_path_buf();
        let mut cur = self.mountpoint.clone();
        for part in rel.components() {
            enable(&cur, controllers)?;
            cur.push(part);
            if !cur.exists() {
                self.created.extend(file::create_dirs(&cur)?);
            }
        }
        Ok(())
    }

    /// Applies what `served` (controllers of this cgroup that no v1 hierarchy serves) cover.
    pub fn set_served(&self, r: &Resources, device_rules: Option<&[Rule]>, served: &BTreeSet<String>) -> Result<()> {
        set(&self.dir, r, device_rules, served)
    }
}

impl Manager for V2 {
    fn paths(&self) -> CgroupPaths {
        CgroupPaths {
            unified_mountpoint: Some(self.mountpoint.clone()),
            unified: Some(self.dir.clone()),
            created: self.created.clone(),
            ..Default::default()
        }
    }

    fn dirs(&self) -> Vec<&Path> {
        vec![&self.dir]
    }

    /// One cgroup holds every controller, so the init is born in it.
    fn clone_into(&self) -> Option<&Path> {
        Some(&self.dir)
    }

    /// Delegates every controller the host has, as runc does.
    fn create(&mut self, layout: &Layout, _r: &Resources) -> Result<()> {
        manager::ensure_unused([self.dir.as_path()])?;
        let result = self.create_with(&layout.unified_controllers);
        if result.is_err() {
            let _ = self.destroy();
        }
        result
    }

    fn set(&self, r: &Resources, device_rules: Option<&[Rule]>) -> Result<()> {
        self.set_served(r, device_rules, &self.controllers()?)
    }

    fn freeze(&self, frozen: bool) -> Result<()> {
        freeze(&self.dir, frozen)
    }

    fn is_frozen(&self) -> Result<bool> {
        is_frozen(&self.dir)
    }

    fn pids(&self) -> Result<Vec<i32>> {
        file::read_pids(&self.dir)
    }

    /// SIGKILL goes through cgroup.kill, which no fork can escape.
    fn kill_all(&self, signal: i32) -> Result<()> {
        if signal == libc::SIGKILL && file::exists(&self.dir, "cgroup.kill") {
            return file::write(&self.dir, "cgroup.kill", "1");
        }
        manager::signal_frozen(self, signal)
    }

    fn read_stats(&self, s: &mut Stats) -> Result<()> {
        stats::read_v2(&self.dir, s)
    }
}

pub fn controllers_of(dir: &Path) -> Result<BTreeSet<String>> {
    Ok(file::read_optional(dir, "cgroup.controllers")?
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect())
}

/// Enables the wanted controllers that `dir` has and does not yet delegate.
fn enable(dir: &Path, wanted: &BTreeSet<String>) -> Result<()> {
    if wanted.is_empty() {
        return Ok(());
    }
    let available = controllers_of(dir)?;
    let enabled: BTreeSet<String> =
        file::read(dir, "cgroup.subtree_control")?.split_whitespace().map(str::to_string).collect();
    let missing: Vec<String> =
        wanted.iter().filter(|c| available.contains(*c) && !enabled.contains(*c)).map(|c| format!("+{c}")).collect();
    if missing.is_empty() {
        return Ok(());
    }
    file::write(dir, "cgroup.subtree_control", missing.join(" "))
}

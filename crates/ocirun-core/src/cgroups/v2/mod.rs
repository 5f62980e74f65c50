//! The cgroup v2 part of a container's cgroups: one directory in the unified hierarchy.

mod freeze;
mod set;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::error::Result;
use super::file;

pub use freeze::{freeze, is_frozen};
pub use set::set;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2 {
    /// The unified hierarchy's mountpoint.
    pub mountpoint: PathBuf,
    /// The container's directory.
    pub dir: PathBuf,
}

impl V2 {
    /// The controllers this cgroup has (its cgroup.controllers).
    pub fn controllers(&self) -> Result<BTreeSet<String>> {
        controllers_of(&self.dir)
    }

    /// Creates the directory, enabling `controllers` in every ancestor's subtree_control on the
    /// way down (a controller reaches a cgroup only if its parent delegates it). Returns the
    /// directories that did not exist.
    pub fn create(&self, controllers: &BTreeSet<String>) -> Result<Vec<PathBuf>> {
        let rel = self.dir.strip_prefix(&self.mountpoint).unwrap_or(&self.dir);
        let mut cur = self.mountpoint.clone();
        let mut made = Vec::new();
        for part in rel.components() {
            enable(&cur, controllers)?;
            cur.push(part);
            if !cur.exists() {
                made.extend(file::create_dirs(&cur)?);
            }
        }
        Ok(made)
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

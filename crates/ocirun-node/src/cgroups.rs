//! The container's cgroups after create: check, update, freeze, list, signal, stats, OOM,
//! removal. Cgroup paths cross the boundary as the JSON ocirun stores in state.json.

use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi_derive::napi;
use ocirun_core::cgroups::{self, CgroupError, CgroupPaths, Manager};
use ocirun_core::launcher::{cgroup_setup, LaunchError};
use ocirun_core::spec::{Resources, Spec};

use crate::failure::{failure, NativeFailure};
use crate::task::{blocking, Blocking};

fn cgroup_failure(e: CgroupError) -> NativeFailure {
    failure(LaunchError::Cgroup(e))
}

fn manager(paths_json: &str) -> Result<Box<dyn Manager>, NativeFailure> {
    let paths: CgroupPaths = serde_json::from_str(paths_json).map_err(|e| failure(LaunchError::Config(e)))?;
    Ok(cgroups::open(&paths))
}

#[napi(object)]
pub struct CheckResult {
    /// Settings accepted without effect (deprecated ones).
    pub warnings: Vec<String>,
    pub failure: Option<NativeFailure>,
}

/// Checks config.json's cgroup settings against this host before anything is created.
#[napi]
pub fn check_cgroups(config: Buffer, id: String, systemd: bool) -> CheckResult {
    let spec: Spec = match serde_json::from_slice(&config) {
        Ok(s) => s,
        Err(e) => return CheckResult { warnings: vec![], failure: Some(failure(LaunchError::Config(e))) },
    };
    match cgroup_setup::check(&spec, &id, systemd) {
        Ok(warnings) => CheckResult { warnings, failure: None },
        Err(e) => CheckResult { warnings: vec![], failure: Some(failure(e)) },
    }
}

#[napi(object)]
pub struct PlanResult {
    /// Where the container's cgroups go (JSON, as stored in state.json), with the directories
    /// creating them would make.
    pub paths: String,
    pub failure: Option<NativeFailure>,
}

/// Plans the container's cgroups; nothing is created.
#[napi]
pub fn plan_cgroups(config: Buffer, id: String) -> PlanResult {
    let plan = || -> Result<String, LaunchError> {
        let spec: Spec = serde_json::from_slice(&config)?;
        let m = cgroup_setup::plan(&spec, &id)?;
        Ok(serde_json::to_string(&m.paths())?)
    };
    match plan() {
        Ok(paths) => PlanResult { paths, failure: None },
        Err(e) => PlanResult { paths: String::new(), failure: Some(failure(e)) },
    }
}

/// Checks a resources block (the merged result of an update) against this host.
#[napi]
pub fn check_resources(resources_json: String) -> CheckResult {
    let r: Resources = match serde_json::from_str(&resources_json) {
        Ok(r) => r,
        Err(e) => return CheckResult { warnings: vec![], failure: Some(failure(LaunchError::Config(e))) },
    };
    let layout = match ocirun_core::cgroups::layout::detect() {
        Ok(l) => l,
        Err(e) => return CheckResult { warnings: vec![], failure: Some(cgroup_failure(e)) },
    };
    match ocirun_core::cgroups::validate::check(&r, &layout) {
        Ok(warnings) => CheckResult { warnings, failure: None },
        Err(e) => CheckResult { warnings: vec![], failure: Some(cgroup_failure(e)) },
    }
}

#[napi(object)]
pub struct UpdateResult {
    /// The container's resources after the update (JSON), to store.
    pub resources: String,
    pub warnings: Vec<String>,
    pub failure: Option<NativeFailure>,
}

/// `update`: lays `update_json` over the container's current resources (runc's semantics:
/// what the update sets replaces, the rest stays), checks the result against this host, and
/// applies it. Device rules are rebuilt with `devices_json`, the config's linux.devices.
#[napi]
pub fn cgroup_update(
    paths_json: String,
    current_json: String,
    update_json: String,
    devices_json: String,
) -> UpdateResult {
    let run = || -> Result<(String, Vec<String>), NativeFailure> {
        let config = |e| failure(LaunchError::Config(e));
        let m = manager(&paths_json)?;
        let current: Resources = serde_json::from_str(&current_json).map_err(config)?;
        let update: Resources = serde_json::from_str(&update_json).map_err(config)?;
        let created: Vec<ocirun_core::spec::Device> = serde_json::from_str(&devices_json).map_err(config)?;
        let merged = current.merged(&update);
        let layout = ocirun_core::cgroups::layout::detect().map_err(cgroup_failure)?;
        let warnings = ocirun_core::cgroups::validate::check(&merged, &layout).map_err(cgroup_failure)?;
        let rules =
            ocirun_core::cgroups::devices::container_rules(&merged.devices, &created).map_err(cgroup_failure)?;
        // Only what the update names is written; the merged whole is what gets stored.
        let rules = (!update.devices.is_empty()).then_some(rules);
        m.set(&update_only(&merged, &update), rules.as_deref()).map_err(cgroup_failure)?;
        Ok((serde_json::to_string(&merged).map_err(config)?, warnings))
    };
    match run() {
        Ok((resources, warnings)) => UpdateResult { resources, warnings, failure: None },
        Err(f) => UpdateResult { resources: String::new(), warnings: vec![], failure: Some(f) },
    }
}

/// The merged values of the groups `update` touches: writing a group whole keeps its files
/// consistent with each other (memory and swap, quota and period).
fn update_only(merged: &Resources, update: &Resources) -> Resources {
    Resources {
        devices: Vec::new(),
        memory: update.memory.as_ref().and(merged.memory.clone()),
        cpu: update.cpu.as_ref().and(merged.cpu.clone()),
        pids: update.pids.as_ref().and(merged.pids.clone()),
        block_io: update.block_io.as_ref().and(merged.block_io.clone()),
        hugepage_limits: if update.hugepage_limits.is_empty() { Vec::new() } else { merged.hugepage_limits.clone() },
        network: update.network.as_ref().and(merged.network.clone()),
        rdma: if update.rdma.is_empty() { Default::default() } else { merged.rdma.clone() },
        unified: update.unified.clone(),
    }
}

/// Freezes or thaws a container (pause, resume).
#[napi(ts_return_type = "Promise<NativeFailure | null>")]
pub fn cgroup_freeze(paths_json: String, frozen: bool) -> AsyncTask<Blocking<Option<NativeFailure>>> {
    blocking(move || manager(&paths_json).and_then(|m| m.freeze(frozen).map_err(cgroup_failure)).err())
}

/// Whether the container's cgroup is frozen (paused); false when it cannot tell.
#[napi]
pub fn cgroup_frozen(paths_json: String) -> bool {
    manager(&paths_json).ok().and_then(|m| m.is_frozen().ok()).unwrap_or(false)
}

#[napi(object)]
pub struct PidsResult {
    pub pids: Vec<i32>,
    pub failure: Option<NativeFailure>,
}

/// The processes in the container's cgroup.
#[napi]
pub fn cgroup_pids(paths_json: String) -> PidsResult {
    match manager(&paths_json).and_then(|m| m.pids().map_err(cgroup_failure)) {
        Ok(pids) => PidsResult { pids, failure: None },
        Err(f) => PidsResult { pids: vec![], failure: Some(f) },
    }
}

/// Signals every process in the container's cgroup.
#[napi]
pub fn cgroup_kill(paths_json: String, signal: i32) -> Option<NativeFailure> {
    manager(&paths_json).and_then(|m| m.kill_all(signal).map_err(cgroup_failure)).err()
}

#[napi(object)]
pub struct StatsResult {
    /// runc's stats JSON (the "data" of a stats event).
    pub json: String,
    pub failure: Option<NativeFailure>,
}

#[napi]
pub fn cgroup_stats(paths_json: String) -> StatsResult {
    let stats = manager(&paths_json).and_then(|m| m.stats().map_err(cgroup_failure));
    match stats.and_then(|s| serde_json::to_string(&s).map_err(|e| failure(LaunchError::Config(e)))) {
        Ok(json) => StatsResult { json, failure: None },
        Err(f) => StatsResult { json: String::new(), failure: Some(f) },
    }
}

/// Removes the container's cgroups, killing what is left in them.
#[napi(ts_return_type = "Promise<NativeFailure | null>")]
pub fn cgroup_destroy(paths_json: String) -> AsyncTask<Blocking<Option<NativeFailure>>> {
    blocking(move || manager(&paths_json).and_then(|m| m.destroy().map_err(cgroup_failure)).err())
}

/// cgroupDestroy, blocking the calling thread (for the CLI).
#[napi]
pub fn cgroup_destroy_sync(paths_json: String) -> Option<NativeFailure> {
    manager(&paths_json).and_then(|m| m.destroy().map_err(cgroup_failure)).err()
}

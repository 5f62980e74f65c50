//! The container's cgroups, made by the runtime before the init starts: validated, created,
//! limited, and handed to the init for placement at clone time.

use std::path::Path;

use super::LaunchError;
use crate::cgroups::devices::container_rules;
use crate::cgroups::path::CgroupsPath;
use crate::cgroups::{self, layout, validate, CgroupError, Manager};
use crate::spec::Spec;

/// Refuses what cannot work before anything exists: a systemd driver request, a bad
/// cgroupsPath, resources this host cannot apply. Returns the warnings.
pub fn check(spec: &Spec, id: &str, systemd: bool) -> Result<Vec<String>, LaunchError> {
    if systemd {
        let reason = if Path::new("/run/systemd/system").exists() {
            "the systemd cgroup driver is not supported by this version of ocirun; use the cgroupfs driver"
        } else {
            "systemd is not running on this host; use the cgroupfs driver"
        };
        return Err(LaunchError::Cgroup(CgroupError::setting("--systemd-cgroup", reason)));
    }
    let linux = spec.linux();
    CgroupsPath::parse(linux.cgroups_path.as_deref(), id)?;
    let resources = linux.resources.clone().unwrap_or_default();
    container_rules(&resources.devices, &linux.devices)?;
    Ok(validate::check(&resources, &layout::detect()?)?)
}

/// Where the container's cgroups go, and which directories creating them would make: the
/// runtime records this before it creates anything, so that a create that dies halfway leaves
/// a state that `delete --force` can clean up.
pub fn plan(spec: &Spec, id: &str) -> Result<Box<dyn Manager>, LaunchError> {
    let layout = layout::detect()?;
    let own = layout::own_cgroups()?;
    let path = CgroupsPath::parse(spec.linux().cgroups_path.as_deref(), id)?;
    let m = cgroups::plan(&layout, &own, &path);
    let missing = m.missing_dirs();
    Ok(cgroups::with_created(m.as_ref(), missing))
}

/// Creates the planned cgroups and applies the limits; on failure nothing is left.
pub fn prepare(spec: &Spec, planned: &dyn Manager) -> Result<Box<dyn Manager>, LaunchError> {
    let linux = spec.linux();
    let layout = layout::detect()?;
    let resources = linux.resources.clone().unwrap_or_default();
    let rules = container_rules(&resources.devices, &linux.devices)?;
    let mut manager = cgroups::without_created(planned);
    manager.create(&layout, &resources)?;
    // Not root over the host (rootless, in cgroups delegated to the user) device rules cannot be set:
    // devices.allow and the v2 device program need CAP_SYS_ADMIN over the host. The container's
    // user namespace already keeps it from making or opening devices it was not given.
    if let Err(e) = manager.set(&resources, crate::namespaces::host_root().then_some(&rules)) {
        let _ = manager.destroy();
        return Err(e.into());
    }
    Ok(manager)
}

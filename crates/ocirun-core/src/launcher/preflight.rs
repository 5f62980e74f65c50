//! The process and linux settings beyond cgroups, checked against the spec's rules and this
//! host before anything exists: a bad value fails `create` naming its field, and leaves
//! nothing behind. Returns the warnings (settings accepted without effect).

use std::collections::BTreeSet;
use std::path::Path;

use crate::cgroups::validate::parse_list;
use crate::netdev;
use crate::process::{affinity, ioprio, labels, mempolicy, personality, scheduler, InvalidSetting};
use crate::spec::{Linux, NamespaceType, Spec};
use crate::sys::netlink;
use crate::time_offsets;

type Check = Result<(), InvalidSetting>;

pub fn check(spec: &Spec) -> Result<Vec<String>, InvalidSetting> {
    let linux = spec.linux();
    let mut warnings = Vec::new();
    if let Some(p) = &spec.process {
        check_labels(p.apparmor_profile.as_deref(), p.selinux_label.as_deref(), linux.mount_label.as_deref())?;
        if let Some(s) = &p.scheduler {
            scheduler::validate(s)?;
        }
        if let Some(io) = &p.io_priority {
            ioprio::validate(io)?;
        }
        if let Some(a) = &p.exec_cpu_affinity {
            affinity::validate(a, &online("/sys/devices/system/cpu/online").unwrap_or_default())?;
        }
    }
    if let Some(p) = &linux.personality {
        warnings.extend(personality::flags_warning(p));
    }
    if let Some(m) = &linux.memory_policy {
        mempolicy::validate(m, online("/sys/devices/system/node/online").as_ref())?;
    }
    check_time_offsets(linux)?;
    check_net_devices(linux)?;
    if let Some(rdt) = &linux.intel_rdt {
        check_intel_rdt(rdt)?;
    }
    Ok(warnings)
}

/// The CPUs or memory nodes a sysfs list file names; None when the file does not exist.
fn online(file: &str) -> Option<BTreeSet<u32>> {
    std::fs::read_to_string(file).ok().and_then(|s| parse_list(&s))
}

/// Labels for an LSM the host does not run are refused. runc 1.1 refuses an SELinux process
/// label the same way; it fails later, from the init, on an AppArmor profile (EINVAL writing
/// /proc/self/attr/exec) or a mount label (EINVAL from the first tmpfs mount).
fn check_labels(apparmor: Option<&str>, selinux: Option<&str>, mount: Option<&str>) -> Check {
    let asked = |v: Option<&str>| v.is_some_and(|s| !s.is_empty());
    if asked(apparmor) && !labels::apparmor_enabled() {
        return Err(InvalidSetting::new("process.apparmorProfile", "AppArmor is not enabled on this host"));
    }
    for (field, value) in [("process.selinuxLabel", selinux), ("linux.mountLabel", mount)] {
        if asked(value) && !labels::selinux_enabled() {
            return Err(InvalidSetting::new(field, "SELinux is disabled or not supported on this host"));
        }
    }
    Ok(())
}

/// Offsets apply to a time namespace the container creates (a joined one has processes
/// already, and the kernel refuses then), on a kernel that has them.
fn check_time_offsets(linux: &Linux) -> Check {
    if linux.time_offsets.is_empty() {
        return Ok(());
    }
    match linux.namespace(NamespaceType::Time) {
        None => {
            return Err(InvalidSetting::new("linux.timeOffsets", "needs a time namespace in linux.namespaces"));
        }
        Some(n) if n.path.is_some() => {
            return Err(InvalidSetting::new(
                "linux.timeOffsets",
                "cannot be set on a time namespace the container joins by path",
            ));
        }
        Some(_) => {}
    }
    if !Path::new("/proc/self/timens_offsets").exists() {
        return Err(InvalidSetting::new("linux.timeOffsets", "this kernel has no time namespaces"));
    }
    time_offsets::validate(&linux.time_offsets)
}

/// Whether two paths name the same file (a namespace joined by path may be the runtime's own).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// A name the kernel accepts for an interface (dev_valid_name), "%d" templates included.
fn valid_ifname(name: &str) -> bool {
    !name.is_empty()
        && name.len() < libc::IFNAMSIZ
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c == ':' || c.is_whitespace())
}

fn check_net_devices(linux: &Linux) -> Check {
    if linux.net_devices.is_empty() {
        return Ok(());
    }
    let private = match linux.namespace(NamespaceType::Network) {
        None => false,
        Some(n) => n.path.as_deref().is_none_or(|p| !same_file(Path::new(p), Path::new("/proc/self/ns/net"))),
    };
    if !private {
        return Err(InvalidSetting::new(
            "linux.netDevices",
            "unable to move network devices without a private network namespace in linux.namespaces",
        ));
    }
    let mut targets = BTreeSet::new();
    for (host_name, dev) in &linux.net_devices {
        let field = format!("linux.netDevices.{host_name}");
        let target = netdev::target_name(host_name, dev);
        if !valid_ifname(host_name) {
            return Err(InvalidSetting::new(field, "is not a valid interface name"));
        }
        if !valid_ifname(target) {
            return Err(InvalidSetting::new(
                format!("{field}.name"),
                format!("{target:?} is not a valid interface name"),
            ));
        }
        if !target.contains('%') && !targets.insert(target.to_string()) {
            return Err(InvalidSetting::new(format!("{field}.name"), format!("{target:?} is given to two devices")));
        }
    }
    match linux.net_devices.keys().find(|name| netlink::if_nametoindex(name).is_err()) {
        Some(name) => Err(InvalidSetting::new(
            format!("linux.netDevices.{name}"),
            "no network interface of that name on the host",
        )),
        None => Ok(()),
    }
}

/// Intel RDT needs a mounted resctrl filesystem (runc refuses without one too). Where one is
/// mounted, ocirun still refuses: it does not manage resctrl groups yet.
fn check_intel_rdt(rdt: &serde_json::Value) -> Check {
    let clos = rdt.get("closID").and_then(|v| v.as_str()).unwrap_or("");
    if clos == "." || clos == ".." || clos.contains('/') {
        return Err(InvalidSetting::new("linux.intelRdt.closID", format!("{clos:?} is not a valid group name")));
    }
    let mounted = std::fs::read_to_string("/proc/self/mountinfo")
        .is_ok_and(|m| m.lines().any(|l| l.split(" - ").nth(1).is_some_and(|t| t.starts_with("resctrl "))));
    let reason = if mounted {
        "Intel RDT is not supported by this version of ocirun yet"
    } else {
        "Intel RDT is not enabled on this host (no resctrl filesystem is mounted)"
    };
    Err(InvalidSetting::new("linux.intelRdt", reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_follow_the_kernel_rules() {
        assert!(valid_ifname("eth0") && valid_ifname("ctr%d") && valid_ifname("a23456789012345"));
        assert!(!valid_ifname("a234567890123456"));
        assert!(!valid_ifname("a/b") && !valid_ifname("a b") && !valid_ifname("..") && !valid_ifname(""));
    }

    fn linux_with(json: serde_json::Value) -> Linux {
        serde_json::from_value(json).expect("linux")
    }

    #[test]
    fn time_offsets_need_a_new_time_namespace() {
        let none = linux_with(serde_json::json!({"timeOffsets": {"boottime": {"secs": 1}}}));
        assert!(check_time_offsets(&none).unwrap_err().reason.contains("needs a time namespace"));
        let joined = linux_with(serde_json::json!({
            "namespaces": [{"type": "time", "path": "/proc/1/ns/time"}],
            "timeOffsets": {"boottime": {"secs": 1}}
        }));
        assert!(check_time_offsets(&joined).unwrap_err().reason.contains("joins by path"));
    }

    #[test]
    fn net_devices_need_a_network_namespace() {
        let l = linux_with(serde_json::json!({"netDevices": {"lo": {}}}));
        assert_eq!(check_net_devices(&l).unwrap_err().field, "linux.netDevices");
    }

    #[test]
    fn the_runtime_network_namespace_joined_by_path_is_not_private() {
        let l = linux_with(serde_json::json!({
            "namespaces": [{"type": "network", "path": "/proc/self/ns/net"}],
            "netDevices": {"lo": {}}
        }));
        assert_eq!(check_net_devices(&l).unwrap_err().field, "linux.netDevices");
    }

    #[test]
    fn two_devices_cannot_take_one_name() {
        let l = linux_with(serde_json::json!({
            "namespaces": [{"type": "network"}],
            "netDevices": {"a0": {"name": "x"}, "b0": {"name": "x"}}
        }));
        // Names are checked before the host is asked whether the devices exist.
        assert_eq!(check_net_devices(&l).unwrap_err().field, "linux.netDevices.b0.name");
    }

    #[test]
    fn a_bad_clos_id_is_refused_by_name() {
        let e = check_intel_rdt(&serde_json::json!({"closID": "../x"})).unwrap_err();
        assert_eq!(e.field, "linux.intelRdt.closID");
    }
}

//! Which cgroup hierarchies this host has, read from /proc/self/mountinfo and /proc/self/cgroup.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::error::{CgroupError, Result};
use crate::sys::Errno;

/// A cgroup hierarchy mounted on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub mountpoint: PathBuf,
    /// The directory of the hierarchy that the mount shows at its mountpoint.
    pub mount_root: PathBuf,
    pub v2: bool,
    /// The controllers (and "name=..." for named hierarchies) of a v1 hierarchy.
    pub controllers: Vec<String>,
}

impl Hierarchy {
    /// The key runc uses for a v1 hierarchy in its state ("cpu", "name=systemd"; "" for v2).
    pub fn key(&self) -> String {
        if self.v2 {
            String::new()
        } else {
            self.controllers.join(",")
        }
    }
}

/// The host's hierarchies: v1 ones and, on v2 and hybrid hosts, the unified one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    pub v1: Vec<Hierarchy>,
    pub unified: Option<Hierarchy>,
    /// Controllers enabled at the root of the unified hierarchy (its cgroup.controllers).
    pub unified_controllers: BTreeSet<String>,
}

/// Reads the cgroup mounts from mountinfo text; the first mount of each hierarchy wins, and
/// mounts under /sys/fs/cgroup come first.
pub fn parse_mountinfo(text: &str) -> Vec<Hierarchy> {
    let mut out: Vec<Hierarchy> = Vec::new();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else { continue };
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        if l.len() < 5 || r.len() < 3 {
            continue;
        }
        let v2 = match r[0] {
            "cgroup2" => true,
            "cgroup" => false,
            _ => continue,
        };
        let controllers = if v2 {
            Vec::new()
        } else {
            r[2].split(',').filter(|o| is_controller_option(o)).map(str::to_string).collect()
        };
        let h = Hierarchy { mountpoint: unescape(l[4]), mount_root: unescape(l[3]), v2, controllers };
        if !out.iter().any(|o| o.v2 == h.v2 && o.controllers == h.controllers) {
            out.push(h);
        }
    }
    out.sort_by_key(|h| !h.mountpoint.starts_with("/sys/fs/cgroup"));
    out
}

/// Super options of a v1 cgroup mount that are not controllers.
fn is_controller_option(o: &str) -> bool {
    !matches!(o, "rw" | "ro" | "noprefix" | "clone_children" | "xattr" | "cpuset_v2_mode" | "favordynmods")
        && !o.starts_with("release_agent=")
}

/// mountinfo escapes spaces, tabs, newlines and backslashes as octal.
fn unescape(s: &str) -> PathBuf {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 4], 8) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    crate::rootfs::resolve::from_bytes(out)
}

/// A process's cgroups from /proc/PID/cgroup text: (controllers, path) per line; the
/// controllers are empty for the v2 line "0::/path".
pub fn parse_proc_cgroup(text: &str) -> Vec<(Vec<String>, PathBuf)> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let _id = parts.next()?;
            let ctrls = parts.next()?;
            let path = parts.next()?;
            let ctrls = ctrls.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect();
            Some((ctrls, PathBuf::from(path)))
        })
        .collect()
}

/// The cgroup path of `h` in a /proc/PID/cgroup listing.
pub fn own_path<'a>(h: &Hierarchy, own: &'a [(Vec<String>, PathBuf)]) -> Option<&'a Path> {
    own.iter()
        .find(|(ctrls, _)| {
            if h.v2 {
                ctrls.is_empty()
            } else {
                !ctrls.is_empty() && ctrls.iter().all(|c| h.controllers.contains(c))
            }
        })
        .map(|(_, p)| p.as_path())
}

/// The directory of `h` for a cgroup path (as /proc/PID/cgroup names it).
pub fn dir_of(h: &Hierarchy, cgroup_path: &Path) -> PathBuf {
    let rel = cgroup_path.strip_prefix(&h.mount_root).unwrap_or(cgroup_path);
    let rel = rel.strip_prefix("/").unwrap_or(rel);
    h.mountpoint.join(rel)
}

fn read(path: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| CgroupError::Read {
        path: path.into(),
        errno: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
    })
}

/// This host's layout, as this process sees it.
pub fn detect() -> Result<Layout> {
    let all = parse_mountinfo(&read("/proc/self/mountinfo")?);
    let unified = all.iter().find(|h| h.v2).cloned();
    let unified_controllers = match &unified {
        Some(u) => std::fs::read_to_string(u.mountpoint.join("cgroup.controllers"))
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        None => BTreeSet::new(),
    };
    let v1: Vec<Hierarchy> = all.into_iter().filter(|h| !h.v2).collect();
    if v1.is_empty() && unified.is_none() {
        return Err(CgroupError::NoHierarchy);
    }
    Ok(Layout { v1, unified, unified_controllers })
}

/// This process's own cgroups.
pub fn own_cgroups() -> Result<Vec<(Vec<String>, PathBuf)>> {
    Ok(parse_proc_cgroup(&read("/proc/self/cgroup")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
99 98 0:32 / /other/memory rw,relatime - cgroup cgroup rw,memory
";

    #[test]
    fn mountinfo_yields_each_hierarchy_once_with_its_controllers() {
        let h = parse_mountinfo(HYBRID);
        assert_eq!(h.len(), 4, "the second memory mount is the same hierarchy");
        assert_eq!(h[0].mountpoint, PathBuf::from("/sys/fs/cgroup/cpu"));
        assert_eq!(h[0].controllers, vec!["cpu".to_string()]);
        assert_eq!(h[2].key(), "name=systemd");
        assert!(h[3].v2);
    }

    #[test]
    fn a_cgroup_path_maps_to_its_directory_in_each_hierarchy() {
        let h = parse_mountinfo(HYBRID);
        let own = parse_proc_cgroup("4:memory:/user/x\n2:cpu:/a\n1:name=systemd:/s\n0::/v2/path\n");
        assert_eq!(
            dir_of(&h[1], own_path(&h[1], &own).expect("memory")),
            PathBuf::from("/sys/fs/cgroup/memory/user/x")
        );
        assert_eq!(dir_of(&h[3], own_path(&h[3], &own).expect("v2")), PathBuf::from("/sys/fs/cgroup/unified/v2/path"));
        assert_eq!(own_path(&h[2], &own), Some(Path::new("/s")));
    }

    #[test]
    fn escaped_mountpoints_are_decoded() {
        assert_eq!(unescape("/a\\040b"), PathBuf::from("/a b"));
    }
}

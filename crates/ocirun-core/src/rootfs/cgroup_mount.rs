//! A mount of type "cgroup": the container's view of the cgroup hierarchies.
//!
//! On a pure cgroup v2 host this is one cgroup2 mount. On v1 and hybrid hosts it is a tmpfs
//! holding one mount per hierarchy, named as on the host (cpu, memory, unified, systemd ...).
//! With a new cgroup namespace each hierarchy is mounted afresh, so the kernel shows the
//! namespace's root; without one, the container's own cgroup directory is bind-mounted, so the
//! container never sees its siblings.

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use super::mounts::{attach, build_filesystem, set_attrs};
use super::options::MountOptions;
use super::resolve::{self, Create, RootDir};
use super::RootfsError;
use crate::sys::{fs as sysfs, mount, Errno};

/// A cgroup hierarchy mounted on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub mountpoint: PathBuf,
    /// The directory of the hierarchy that the host's mount shows at its mountpoint.
    pub mount_root: PathBuf,
    pub v2: bool,
    /// The controllers (and "name=..." for named hierarchies) of a v1 hierarchy.
    pub controllers: Vec<String>,
}

/// Reads the cgroup mounts of this mount namespace from mountinfo text.
pub fn parse_mountinfo(text: &str) -> Vec<Hierarchy> {
    let mut out = Vec::new();
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
        out.push(Hierarchy { mountpoint: unescape(l[4]), mount_root: unescape(l[3]), v2, controllers });
    }
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
    resolve::from_bytes(out)
}

/// The cgroup of this process in each hierarchy, from /proc/self/cgroup text:
/// (controllers, path); controllers is empty for the v2 line "0::/path".
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

/// Where this process's cgroup of `h` is on the host.
fn own_dir(h: &Hierarchy, own: &[(Vec<String>, PathBuf)]) -> Option<PathBuf> {
    let path = own.iter().find(|(ctrls, _)| {
        if h.v2 {
            ctrls.is_empty()
        } else {
            !ctrls.is_empty() && ctrls.iter().all(|c| h.controllers.contains(c))
        }
    })?;
    let rel = path.1.strip_prefix(&h.mount_root).ok()?;
    Some(h.mountpoint.join(rel))
}

fn read(path: &str) -> Result<String, Errno> {
    std::fs::read_to_string(path).map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
}

pub fn mount_cgroup(root: &RootDir, dst: &Path, o: &MountOptions, new_cgroupns: bool) -> Result<(), RootfsError> {
    let err = |errno| RootfsError::Mount { what: "cgroup".into(), dst: resolve::display(dst), errno };
    let hierarchies: Vec<Hierarchy> = parse_mountinfo(&read("/proc/self/mountinfo").map_err(err)?)
        .into_iter()
        .filter(|h| h.mountpoint.starts_with("/sys/fs/cgroup"))
        .collect();
    let own = parse_proc_cgroup(&read("/proc/self/cgroup").map_err(err)?);
    let target = root.open_or_create(dst, Create::Directory).map_err(err)?;

    if let Some(unified) = hierarchies.iter().find(|h| h.v2 && h.mountpoint == Path::new("/sys/fs/cgroup")) {
        let mnt = hierarchy_mount(unified, &own, o, new_cgroupns, dst)?;
        return attach(&mnt, &target, o, "cgroup2", dst);
    }

    // v1 or hybrid: a tmpfs with one directory per hierarchy. It stays writable until the
    // hierarchies are in place, then takes the requested attributes.
    let tmpfs_opts = MountOptions::parse(&["mode=755".to_string()]);
    let tmpfs = build_filesystem("tmpfs", Some("cgroup"), &tmpfs_opts, "cgroup", dst)?;
    attach(&tmpfs, &target, &MountOptions::default(), "cgroup", dst)?;
    for h in &hierarchies {
        let Some(name) = h.mountpoint.file_name() else { continue };
        sysfs::mkdirat(Some(tmpfs.as_fd()), Path::new(name), 0o755).or_else(ignore_exists).map_err(err)?;
        let sub =
            sysfs::openat(Some(tmpfs.as_fd()), Path::new(name), libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW, 0)
                .map_err(err)?;
        let sub_dst = dst.join(name);
        let mnt = hierarchy_mount(h, &own, o, new_cgroupns, &sub_dst)?;
        attach(&mnt, &sub, &MountOptions::default(), "cgroup", &sub_dst)?;
        // Co-mounted controllers ("cpu,cpuacct") are also reachable by each name.
        let name_s = name.to_string_lossy();
        if name_s.contains(',') {
            for part in name_s.split(',') {
                sysfs::symlinkat(Path::new(name), Some(tmpfs.as_fd()), Path::new(part))
                    .or_else(ignore_exists)
                    .map_err(err)?;
            }
        }
    }
    set_attrs(tmpfs.as_fd(), o).map_err(err)?;
    for p in &o.propagation {
        let attr = mount::MountAttr { propagation: p.flag, ..Default::default() };
        mount::mount_setattr(tmpfs.as_fd(), p.recursive, attr).map_err(err)?;
    }
    Ok(())
}

fn ignore_exists(e: Errno) -> Result<(), Errno> {
    if e == Errno::EEXIST {
        Ok(())
    } else {
        Err(e)
    }
}

/// The detached mount of one hierarchy for the container.
fn hierarchy_mount(
    h: &Hierarchy,
    own: &[(Vec<String>, PathBuf)],
    o: &MountOptions,
    new_cgroupns: bool,
    dst: &Path,
) -> Result<std::os::fd::OwnedFd, RootfsError> {
    let what = if h.v2 { "cgroup2" } else { "cgroup" };
    let err = |errno| RootfsError::Mount { what: what.into(), dst: resolve::display(dst), errno };
    if new_cgroupns {
        let mut fs_opts = MountOptions { attrs: o.attrs, ..Default::default() };
        if !h.v2 {
            let named = h.controllers.iter().all(|c| c.starts_with("name="));
            if named {
                fs_opts.params.push(super::options::FsParam { key: "none".into(), value: None });
            }
            for c in &h.controllers {
                let param = match c.split_once('=') {
                    Some((k, v)) => super::options::FsParam { key: k.into(), value: Some(v.into()) },
                    None => super::options::FsParam { key: c.clone(), value: None },
                };
                fs_opts.params.push(param);
            }
        }
        return build_filesystem(what, Some(what), &fs_opts, what, dst);
    }
    let dir = own_dir(h, own).ok_or(err(Errno::ENOENT))?;
    let fd = sysfs::openat(None, &dir, libc::O_PATH | libc::O_DIRECTORY, 0).map_err(err)?;
    let mnt = mount::open_tree_clone(fd.as_fd(), false).map_err(err)?;
    set_attrs(mnt.as_fd(), o).map_err(err)?;
    Ok(mnt)
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
";

    #[test]
    fn mountinfo_yields_each_hierarchy_with_its_controllers() {
        let h = parse_mountinfo(HYBRID);
        assert_eq!(h.len(), 4);
        assert_eq!(h[0].mountpoint, PathBuf::from("/sys/fs/cgroup/cpu"));
        assert_eq!(h[0].controllers, vec!["cpu".to_string()]);
        assert_eq!(h[2].controllers, vec!["name=systemd".to_string()]);
        assert!(h[3].v2);
    }

    #[test]
    fn own_cgroup_directory_joins_mountpoint_and_path() {
        let h = parse_mountinfo(HYBRID);
        let own = parse_proc_cgroup("4:memory:/user/x\n2:cpu:/a\n1:name=systemd:/s\n0::/v2/path\n");
        assert_eq!(own_dir(&h[1], &own), Some(PathBuf::from("/sys/fs/cgroup/memory/user/x")));
        assert_eq!(own_dir(&h[3], &own), Some(PathBuf::from("/sys/fs/cgroup/unified/v2/path")));
        assert_eq!(own_dir(&h[2], &own), Some(PathBuf::from("/sys/fs/cgroup/systemd/s")));
    }

    #[test]
    fn escaped_mountpoints_are_decoded() {
        assert_eq!(unescape("/a\\040b"), PathBuf::from("/a b"));
    }
}

//! A mount of type "cgroup": the container's view of the cgroup hierarchies.
//!
//! On a pure cgroup v2 host this is one cgroup2 mount. On v1 and hybrid hosts it is a tmpfs
//! holding one mount per hierarchy, named as on the host (cpu, memory, unified, systemd ...).
//! With a new cgroup namespace each hierarchy is mounted afresh, so the kernel shows the
//! namespace's root; without one, the container's own cgroup directory is bind-mounted, so the
//! container never sees its siblings. In a user namespace of its own a v1 hierarchy cannot be
//! mounted afresh (cgroup v1 is not mountable there), so its container directory, which the
//! runtime made, is bind-mounted instead, as runc does; cgroup2 is mounted afresh.

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use super::mounts::{attach, build_filesystem, set_attrs};
use super::options::MountOptions;
use super::resolve::{self, Create, RootDir};
use super::RootfsError;
use crate::cgroups::layout::{self, parse_mountinfo, parse_proc_cgroup, Hierarchy};
use crate::cgroups::CgroupPaths;
use crate::sys::{fs as sysfs, mount, Errno};

/// What the container's cgroup mount shows.
pub struct CgroupView<'a> {
    /// The container has a cgroup namespace of its own: the kernel shows its root.
    pub new_cgroupns: bool,
    /// In a user namespace of its own: the container's v1 directories, to bind.
    pub userns_dirs: Option<&'a CgroupPaths>,
}

/// The container's directory in v1 hierarchy `h`, as the runtime made it.
fn container_dir(h: &Hierarchy, paths: &CgroupPaths) -> Option<PathBuf> {
    h.controllers.iter().find_map(|c| paths.v1.get(c).or_else(|| paths.v1.get(c.strip_prefix("name=")?)).cloned())
}

/// Where this process's cgroup of `h` is on the host.
fn own_dir(h: &Hierarchy, own: &[(Vec<String>, PathBuf)]) -> Option<PathBuf> {
    layout::own_path(h, own).map(|p| layout::dir_of(h, p))
}

fn read(path: &str) -> Result<String, Errno> {
    std::fs::read_to_string(path).map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
}

pub fn mount_cgroup(root: &RootDir, dst: &Path, o: &MountOptions, view: &CgroupView<'_>) -> Result<(), RootfsError> {
    let err = |errno| RootfsError::Mount { what: "cgroup".into(), dst: resolve::display(dst), errno };
    let hierarchies: Vec<Hierarchy> = parse_mountinfo(&read("/proc/self/mountinfo").map_err(err)?)
        .into_iter()
        .filter(|h| h.mountpoint.starts_with("/sys/fs/cgroup"))
        .collect();
    let own = parse_proc_cgroup(&read("/proc/self/cgroup").map_err(err)?);
    let target = root.open_or_create(dst, Create::Directory).map_err(err)?;

    if let Some(unified) = hierarchies.iter().find(|h| h.v2 && h.mountpoint == Path::new("/sys/fs/cgroup")) {
        let mnt = hierarchy_mount(unified, &own, o, view.new_cgroupns, dst)?;
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
        let mnt = match view.userns_dirs {
            Some(paths) if !h.v2 => {
                // A hierarchy the runtime made no directory in stays an empty directory.
                let Some(dir) = container_dir(h, paths) else { continue };
                let fd = sysfs::openat(None, &dir, libc::O_PATH | libc::O_DIRECTORY, 0).map_err(err)?;
                let mnt = mount::open_tree_clone(fd.as_fd(), false).map_err(err)?;
                set_attrs(mnt.as_fd(), o).map_err(err)?;
                mnt
            }
            _ => hierarchy_mount(h, &own, o, view.new_cgroupns, &sub_dst)?,
        };
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

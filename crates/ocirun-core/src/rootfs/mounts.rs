//! config.mounts, one entry at a time, in order.
//!
//! Each mount is built detached (fsopen + fsmount for a new filesystem, open_tree for a bind),
//! given all its attributes, and only then attached with move_mount onto a destination
//! descriptor resolved inside the rootfs. Nothing is re-resolved by path after the check, so a
//! symlink swapped in meanwhile cannot redirect a mount onto the host.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use super::options::MountOptions;
use super::resolve::{self, Create, RootDir};
use super::{cgroup_mount, copyup, RootfsError};
use crate::spec::Mount;
use crate::sys::{fs as sysfs, mount, Errno};

/// Files below /proc that tools such as lxcfs legitimately mount over.
const PROC_FILES_ALLOWED: &[&str] = &[
    "/proc/cpuinfo",
    "/proc/diskstats",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/swaps",
    "/proc/uptime",
    "/proc/loadavg",
    "/proc/slabinfo",
    "/proc/pressure",
    "/proc/sys/kernel/ns_last_pid",
];

/// One config.mounts entry; `mount_label` is linux.mountLabel, `idmapped` the detached clone
/// stage 0 made of an idmapped bind's source (see idmap.rs).
pub fn mount_entry(
    root: &RootDir,
    m: &Mount,
    bundle: &Path,
    cgroups: &cgroup_mount::CgroupView<'_>,
    mount_label: Option<&str>,
    idmapped: Option<OwnedFd>,
) -> Result<(), RootfsError> {
    let dst = resolve::clean(Path::new(&m.destination));
    let dst_s = resolve::display(&dst);
    let o = MountOptions::parse(&m.options);
    let fstype = m.kind.as_deref().filter(|t| !t.is_empty());
    let what = m.source.clone().or_else(|| fstype.map(str::to_string)).unwrap_or_else(|| "none".into());
    if o.remount {
        return remount(root, &dst, &o, &what);
    }
    if o.bind || fstype == Some("bind") {
        return bind_mount(root, m, &dst, &o, bundle, idmapped);
    }
    match fstype {
        None => Err(RootfsError::MissingType { what, dst: dst_s }),
        Some("cgroup") => cgroup_mount::mount_cgroup(root, &dst, &o, cgroups),
        Some(t) => match new_filesystem(root, t, m.source.as_deref(), &dst, &o.with_mount_label(t, mount_label)) {
            Err(RootfsError::Mount { errno: Errno::EPERM, .. }) if t == "sysfs" => host_sysfs(root, m, &dst, bundle),
            other => other,
        },
    }
}

/// A new sysfs needs the network namespace owned by the container's user namespace; a
/// rootless container sharing the host's network gets EPERM. As runc does, it then gets the
/// host's /sys bound recursively instead, with the mount's own flags (ro, nosuid, ...).
fn host_sysfs(root: &RootDir, m: &Mount, dst: &Path, bundle: &Path) -> Result<(), RootfsError> {
    let mut options = m.options.clone();
    options.push("rbind".into());
    let bind = Mount { source: Some("/sys".into()), kind: Some("bind".into()), options, ..m.clone() };
    bind_mount(root, &bind, dst, &MountOptions::parse(&bind.options), bundle, None)
}

fn mount_err(what: &str, dst: &Path) -> impl Fn(Errno) -> RootfsError {
    let what = what.to_string();
    let dst = resolve::display(dst);
    move |errno| RootfsError::Mount { what: what.clone(), dst: dst.clone(), errno }
}

/// Resolves the destination inside the rootfs, creating it as `create` says, and refuses
/// destinations inside /proc that would hide or redirect procfs files.
fn destination(
    root: &RootDir,
    dst: &Path,
    create: Create,
    fstype: Option<&str>,
    what: &str,
) -> Result<OwnedFd, RootfsError> {
    let fd = root.open_or_create(dst, create).map_err(mount_err(what, dst))?;
    let real = root.path_of(fd.as_fd()).map_err(mount_err(what, dst))?;
    if let Some(t @ ("proc" | "sysfs")) = fstype {
        ordinary_directory(fd.as_fd(), t, dst, &real)?;
    }
    if resolve::is_within(&real, Path::new("/proc")) {
        let proc_itself = real == Path::new("/proc") && fstype == Some("proc");
        let allowed = PROC_FILES_ALLOWED.iter().any(|p| real == Path::new(p));
        if !proc_itself && !allowed {
            return Err(RootfsError::ProcDestination { dst: resolve::display(&real) });
        }
    }
    Ok(fd)
}

/// proc and sysfs go exactly where the config says, as runc requires: a /proc or /sys that is a
/// symlink in the image would move them elsewhere in the container (CVE-2023-27561 and
/// CVE-2023-28642), where path-based protections such as LSM rules no longer cover them.
fn ordinary_directory(fd: BorrowedFd<'_>, fstype: &str, dst: &Path, real: &Path) -> Result<(), RootfsError> {
    let why = if real != dst {
        format!("leads to {} through a symlink", resolve::display(real))
    } else if sysfs::fstat(fd).map_err(mount_err(fstype, dst))?.st_mode & libc::S_IFMT != libc::S_IFDIR {
        "is not a directory".to_string()
    } else {
        return Ok(());
    };
    Err(RootfsError::NotOrdinaryDirectory { fstype: fstype.to_string(), dst: resolve::display(dst), why })
}

/// A new filesystem (proc, sysfs, tmpfs, devpts, mqueue, ...).
fn new_filesystem(
    root: &RootDir,
    fstype: &str,
    source: Option<&str>,
    dst: &Path,
    o: &MountOptions,
) -> Result<(), RootfsError> {
    let target = destination(root, dst, Create::Directory, Some(fstype), fstype)?;
    let mnt = match build_filesystem(fstype, source, o, fstype, dst) {
        Err(RootfsError::Mount { errno: Errno::ENOSYS, .. }) => return legacy_mount(fstype, source, &target, dst, o),
        other => other?,
    };
    if o.tmpcopyup {
        copyup::copy_into(target.as_fd(), mnt.as_fd())
            .map_err(|errno| RootfsError::Copyup { dst: resolve::display(dst), errno })?;
    }
    attach(&mnt, &target, o, fstype, dst)
}

/// fsopen + fsconfig + fsmount: a detached mount of a new superblock with `o`'s attributes.
pub(super) fn build_filesystem(
    fstype: &str,
    source: Option<&str>,
    o: &MountOptions,
    what: &str,
    dst: &Path,
) -> Result<OwnedFd, RootfsError> {
    let err = mount_err(what, dst);
    let fs = mount::fsopen(fstype).map_err(&err)?;
    let rejected = |errno: Errno| match mount::fs_context_log(fs.as_fd()) {
        Some(reason) => {
            RootfsError::MountRejected { what: what.to_string(), dst: resolve::display(dst), reason, errno }
        }
        None => err(errno),
    };
    if let Some(src) = source {
        mount::fsconfig_string(fs.as_fd(), "source", src).map_err(rejected)?;
    }
    for flag in &o.sb_flags {
        mount::fsconfig_flag(fs.as_fd(), flag).map_err(rejected)?;
    }
    for p in &o.params {
        match &p.value {
            Some(v) => mount::fsconfig_string(fs.as_fd(), &p.key, v),
            None => mount::fsconfig_flag(fs.as_fd(), &p.key),
        }
        .map_err(rejected)?;
    }
    mount::fsconfig_create(fs.as_fd()).map_err(rejected)?;
    mount::fsmount(fs.as_fd(), o.fsmount_flags()).map_err(rejected)
}

/// Attaches a detached mount onto its destination, then sets its propagation.
pub(super) fn attach(
    mnt: &OwnedFd,
    target: &OwnedFd,
    o: &MountOptions,
    what: &str,
    dst: &Path,
) -> Result<(), RootfsError> {
    let err = mount_err(what, dst);
    mount::move_mount(mnt.as_fd(), target.as_fd()).map_err(&err)?;
    for p in &o.propagation {
        let attr = mount::MountAttr { propagation: p.flag, ..Default::default() };
        mount::mount_setattr(mnt.as_fd(), p.recursive, attr).map_err(&err)?;
    }
    Ok(())
}

/// A bind mount: a clone of the source's mount tree (or the idmapped clone made in stage 0),
/// its attributes set, then attached.
fn bind_mount(
    root: &RootDir,
    m: &Mount,
    dst: &Path,
    o: &MountOptions,
    bundle: &Path,
    idmapped: Option<OwnedFd>,
) -> Result<(), RootfsError> {
    let src = bind_source(m, bundle);
    let source_err = |errno| RootfsError::Source { src: src.clone(), dst: resolve::display(dst), errno };
    let what = resolve::display(&src);
    let err = mount_err(&what, dst);
    let mnt = match idmapped {
        Some(mnt) => mnt,
        None => {
            let src_fd = sysfs::openat(None, &src, libc::O_PATH, 0).map_err(source_err)?;
            mount::open_tree_clone(src_fd.as_fd(), o.recursive_bind).map_err(&err)?
        }
    };
    let is_dir = sysfs::fstat(mnt.as_fd()).map(|st| st.st_mode & libc::S_IFMT == libc::S_IFDIR).map_err(source_err)?;
    let create = if is_dir { Create::Directory } else { Create::File };
    let target = destination(root, dst, create, None, &what)?;
    set_attrs(mnt.as_fd(), o).map_err(&err)?;
    attach(&mnt, &target, o, &what, dst)
}

pub(super) fn set_attrs(mnt: BorrowedFd<'_>, o: &MountOptions) -> Result<(), Errno> {
    if o.attrs != mount::MountAttr::default() {
        mount::mount_setattr(mnt, false, o.attrs)?;
    }
    if o.recursive_attrs != mount::MountAttr::default() {
        mount::mount_setattr(mnt, true, o.recursive_attrs)?;
    }
    Ok(())
}

/// Bind sources are absolute, or relative to the bundle.
pub(super) fn bind_source(m: &Mount, bundle: &Path) -> PathBuf {
    let src = Path::new(m.source.as_deref().unwrap_or(""));
    if src.is_absolute() {
        src.to_path_buf()
    } else {
        bundle.join(src)
    }
}

/// The "remount" option: change the flags of what is mounted at the destination already.
fn remount(root: &RootDir, dst: &Path, o: &MountOptions, what: &str) -> Result<(), RootfsError> {
    let target = destination(root, dst, Create::Nothing, None, what)?;
    let mut flags = libc::MS_REMOUNT | o.legacy_flags();
    if o.bind {
        flags |= libc::MS_BIND;
    }
    let data = o.data_string();
    mount::mount(None, &sysfs::fd_path(target.as_fd()), None, flags, (!data.is_empty()).then_some(data.as_str()))
        .map_err(mount_err(what, dst))
}

/// mount(2) through the destination's descriptor, for kernels without fsopen.
fn legacy_mount(
    fstype: &str,
    source: Option<&str>,
    target: &OwnedFd,
    dst: &Path,
    o: &MountOptions,
) -> Result<(), RootfsError> {
    let data = o.data_string();
    let src = source.map(Path::new);
    mount::mount(
        src,
        &sysfs::fd_path(target.as_fd()),
        Some(fstype),
        o.legacy_flags(),
        (!data.is_empty()).then_some(data.as_str()),
    )
    .map_err(mount_err(fstype, dst))
}

//! The runtime's own writes to procfs (sysctls, oom_score_adj) go through a private procfs
//! instance, never through the container's /proc.
//!
//! A path below the container's /proc can be redirected: a symlink or a file bound over a
//! procfs entry, a tmpfs posing as /proc, or a /proc the config never mounted (the
//! CVE-2025-52881 class, where a racing container turned a runtime write into a write to
//! /proc/sys/kernel/core_pattern or /proc/sysrq-trigger). Here the instance is a detached mount
//! made with fsopen, which only this process holds, opened before the container's mounts exist;
//! each file is reached from its root without crossing a mount or following any symlink, and is
//! checked to be procfs before it is written.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use crate::sys::fs::{self as sysfs, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV};
use crate::sys::{mount, Errno, SysResult};

const PROC_SUPER_MAGIC: i64 = 0x9fa0;
/// The inode number of the root directory of every procfs instance.
const PROC_ROOT_INO: u64 = 1;
const RESOLVE_BENEATH: u64 = libc::RESOLVE_BENEATH;

/// A procfs instance of the init's PID namespace, or why it could not be opened (reported by
/// the first write that needs it, so that containers without such writes never fail on it).
pub struct Procfs {
    root: Result<OwnedFd, Errno>,
}

impl Procfs {
    /// Opens the instance now. Call it before the container's mounts are made: the fallback
    /// clones the /proc this process sees, which is the host's until the root switch.
    pub fn open() -> Procfs {
        let root = fresh().or_else(|_| clone_of_proc()).and_then(verified_root);
        Procfs { root }
    }

    /// Writes `value` to `rel` ("sys/net/ipv4/ip_forward"), a path below the procfs root.
    pub fn write(&self, rel: &Path, value: &[u8]) -> SysResult<()> {
        let root = self.root.as_ref().map_err(|e| *e)?;
        let fd = sysfs::openat2(
            Some(root.as_fd()),
            rel,
            libc::O_WRONLY | libc::O_TRUNC,
            0,
            RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        )?;
        is_procfs(fd.as_fd())?;
        sysfs::write_all(fd.as_fd(), value)
    }

    /// Writes `value` to `name` in this process's own directory ("oom_score_adj").
    pub fn write_own(&self, name: &str, value: &[u8]) -> SysResult<()> {
        let root = self.root.as_ref().map_err(|e| *e)?;
        // "self" is the one symlink read here, by name, never followed: its target is this
        // process's number as the instance's PID namespace sees it.
        let pid = sysfs::readlinkat(Some(root.as_fd()), Path::new("self"))?;
        self.write(&own_path(&pid, name)?, value)
    }
}

fn own_path(pid: &Path, name: &str) -> SysResult<PathBuf> {
    let digits = pid.to_str().is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if digits {
        Ok(pid.join(name))
    } else {
        Err(Errno::EXDEV)
    }
}

/// A new detached mount of procfs, made by this process alone.
fn fresh() -> SysResult<OwnedFd> {
    let fs = mount::fsopen("proc")?;
    mount::fsconfig_create(fs.as_fd())?;
    mount::fsmount(fs.as_fd(), mount::MOUNT_ATTR_NOSUID | mount::MOUNT_ATTR_NODEV | mount::MOUNT_ATTR_NOEXEC)
}

/// For kernels without fsopen: a detached copy of the /proc mount itself, without what is
/// mounted below it.
fn clone_of_proc() -> SysResult<OwnedFd> {
    mount::open_tree_clone_path(Path::new("/proc"), false)
}

/// The root of a procfs instance, not some other filesystem or a directory inside one.
fn verified_root(fd: OwnedFd) -> SysResult<OwnedFd> {
    is_procfs(fd.as_fd())?;
    if sysfs::fstat(fd.as_fd())?.st_ino != PROC_ROOT_INO {
        return Err(Errno::EXDEV);
    }
    Ok(fd)
}

fn is_procfs(fd: BorrowedFd<'_>) -> SysResult<()> {
    if sysfs::fstatfs(fd)?.f_type as i64 == PROC_SUPER_MAGIC {
        Ok(())
    } else {
        Err(Errno::EXDEV)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_directory_is_the_number_self_names() {
        assert_eq!(own_path(Path::new("1"), "oom_score_adj").ok(), Some(PathBuf::from("1/oom_score_adj")));
    }

    #[test]
    fn a_self_that_is_not_a_number_is_refused() {
        assert_eq!(own_path(Path::new("../../etc"), "x").err(), Some(Errno::EXDEV));
        assert_eq!(own_path(Path::new(""), "x").err(), Some(Errno::EXDEV));
    }
}

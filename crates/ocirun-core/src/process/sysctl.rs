//! linux.sysctl: written through the container's own /proc/sys.

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use crate::sys::fs::{self as sysfs, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV};
use crate::sys::Errno;

use super::ProcessError;

const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// "net.ipv4.ip_forward" -> "net/ipv4/ip_forward". Names are made of the characters the kernel
/// uses; anything else (a '/' or "..") could walk out of /proc/sys and is refused.
pub fn sysctl_path(key: &str) -> Option<PathBuf> {
    let valid = !key.is_empty()
        && key
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || "_-+:@".contains(c)));
    valid.then(|| PathBuf::from(key.replace('.', "/")))
}

pub fn apply<'a>(sysctls: impl IntoIterator<Item = (&'a String, &'a String)>) -> Result<(), ProcessError> {
    let mut proc_sys = None;
    for (key, value) in sysctls {
        let err = |errno| ProcessError::Sysctl { key: key.clone(), value: value.clone(), errno };
        let rel = sysctl_path(key).ok_or_else(|| ProcessError::SysctlName { key: key.clone() })?;
        if proc_sys.is_none() {
            proc_sys = Some(open_proc_sys().map_err(err)?);
        }
        let dir = proc_sys.as_ref().ok_or(ProcessError::SysctlName { key: key.clone() })?;
        // Neither symlinks nor other mounts may redirect the write: the file must be the
        // procfs entry below this /proc/sys.
        let fd = sysfs::openat2(
            Some(dir.as_fd()),
            &rel,
            libc::O_WRONLY | libc::O_TRUNC,
            0,
            RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        )
        .map_err(err)?;
        sysfs::write_all(fd.as_fd(), value.as_bytes()).map_err(err)?;
    }
    Ok(())
}

/// The container's /proc/sys, checked to really be procfs.
fn open_proc_sys() -> Result<std::os::fd::OwnedFd, Errno> {
    let fd = sysfs::openat(None, Path::new("/proc/sys"), libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW, 0)?;
    let st = sysfs::fstatfs(fd.as_fd())?;
    if st.f_type as i64 != PROC_SUPER_MAGIC {
        return Err(Errno::EXDEV);
    }
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_become_slashes() {
        assert_eq!(sysctl_path("net.ipv4.ip_forward"), Some(PathBuf::from("net/ipv4/ip_forward")));
    }

    #[test]
    fn names_that_could_escape_are_refused() {
        assert_eq!(sysctl_path("kernel/../../etc"), None);
        assert_eq!(sysctl_path("net..core"), None);
        assert_eq!(sysctl_path(""), None);
    }
}

//! linux.sysctl: written through the runtime's private procfs instance (see procfs.rs), so
//! nothing in the rootfs decides which file receives the value.

use std::path::{Path, PathBuf};

use super::procfs::Procfs;
use super::ProcessError;

/// "net.ipv4.ip_forward" -> "net/ipv4/ip_forward". Names are made of the characters the kernel
/// uses; anything else (a '/' or "..") could walk out of /proc/sys and is refused.
pub fn sysctl_path(key: &str) -> Option<PathBuf> {
    let valid = !key.is_empty()
        && key
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || "_-+:@".contains(c)));
    valid.then(|| PathBuf::from(key.replace('.', "/")))
}

pub fn apply<'a>(
    procfs: &Procfs,
    sysctls: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Result<(), ProcessError> {
    for (key, value) in sysctls {
        let rel = sysctl_path(key).ok_or_else(|| ProcessError::SysctlName { key: key.clone() })?;
        procfs.write(&Path::new("sys").join(rel), value.as_bytes()).map_err(|errno| ProcessError::Sysctl {
            key: key.clone(),
            value: value.clone(),
            errno,
        })?;
    }
    Ok(())
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

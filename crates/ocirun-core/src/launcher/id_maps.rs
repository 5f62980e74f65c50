//! linux.uidMappings and linux.gidMappings: written by the runtime into the container init's
//! /proc/PID/uid_map and gid_map, after the clone made its user namespace and before the init
//! goes on. The writer must hold CAP_SETUID/CAP_SETGID over the parent namespace, which the
//! init, already inside the new namespace, does not; as root the runtime writes every range
//! itself (newuidmap and newgidmap are only needed by an unprivileged caller).

use std::os::fd::AsFd;
use std::path::PathBuf;

use super::LaunchError;
use crate::spec::{IdMapping, Linux, NamespaceType};
use crate::sys::fs as sysfs;

/// The map file's text: one "container host size" line per range, in one write, as the
/// kernel accepts a map only once and whole.
pub fn map_text(maps: &[IdMapping]) -> String {
    maps.iter().map(|m| format!("{} {} {}\n", m.container_id, m.host_id, m.size)).collect()
}

/// Writes both maps of `pid`'s new user namespace; nothing when the container makes none.
pub fn write(pid: i32, linux: &Linux) -> Result<(), LaunchError> {
    if !linux.creates(NamespaceType::User) {
        return Ok(());
    }
    for (file, maps) in [("uid_map", &linux.uid_mappings), ("gid_map", &linux.gid_mappings)] {
        let path = PathBuf::from(format!("/proc/{pid}/{file}"));
        let err = |errno| LaunchError::Path { what: "write the user namespace's map", path: path.clone(), errno };
        let fd = sysfs::openat(None, &path, libc::O_WRONLY | libc::O_CLOEXEC, 0).map_err(err)?;
        sysfs::write_all(fd.as_fd(), map_text(maps).as_bytes()).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(container_id: u32, host_id: u32, size: u32) -> IdMapping {
        IdMapping { container_id, host_id, size }
    }

    #[test]
    fn every_range_is_one_line_of_the_single_write() {
        assert_eq!(map_text(&[range(0, 100000, 1000), range(1000, 5000, 1)]), "0 100000 1000\n1000 5000 1\n");
    }
}

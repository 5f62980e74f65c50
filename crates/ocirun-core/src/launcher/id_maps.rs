//! linux.uidMappings and linux.gidMappings: written by the runtime into the container init's
//! /proc/PID/uid_map and gid_map, after the clone made its user namespace and before the init
//! goes on. The writer must hold CAP_SETUID/CAP_SETGID over the parent namespace, which the
//! init, already inside the new namespace, does not; as root the runtime writes every range
//! itself. Unprivileged (rootless), it may only map its own ids, one each, and only with
//! setgroups denied; any other map goes through uidmap's setuid newuidmap and newgidmap, which
//! allow the ranges /etc/subuid and /etc/subgid give the caller, as runc does.

use std::os::fd::AsFd;
use std::path::PathBuf;

use super::LaunchError;
use crate::spec::{IdMapping, Linux, NamespaceType};
use crate::sys::{fs as sysfs, Errno};

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
    // SAFETY: geteuid and getegid cannot fail.
    let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let own = |maps: &[IdMapping], id: u32| maps.len() == 1 && maps[0].size == 1 && maps[0].host_id == id;
    if euid == 0 {
        write_file(pid, "uid_map", &map_text(&linux.uid_mappings))?;
        return write_file(pid, "gid_map", &map_text(&linux.gid_mappings));
    }
    if own(&linux.uid_mappings, euid) {
        write_file(pid, "uid_map", &map_text(&linux.uid_mappings))?;
    } else {
        run_tool("newuidmap", pid, &linux.uid_mappings)?;
    }
    if own(&linux.gid_mappings, egid) {
        // Without CAP_SETGID over the parent namespace the kernel takes a gid map only once
        // setgroups is denied: else the container could drop the groups that keep it out.
        write_file(pid, "setgroups", "deny")?;
        write_file(pid, "gid_map", &map_text(&linux.gid_mappings))
    } else {
        run_tool("newgidmap", pid, &linux.gid_mappings)
    }
}

fn write_file(pid: i32, file: &str, text: &str) -> Result<(), LaunchError> {
    write_proc_file(pid, file, text).map_err(|errno| LaunchError::Path {
        what: "write the user namespace's map",
        path: PathBuf::from(format!("/proc/{pid}/{file}")),
        errno,
    })
}

/// Writes /proc/PID/FILE (uid_map, gid_map, setgroups) in one write, as the kernel takes each
/// only once.
pub fn write_proc_file(pid: i32, file: &str, text: &str) -> Result<(), Errno> {
    let path = PathBuf::from(format!("/proc/{pid}/{file}"));
    let fd = sysfs::openat(None, &path, libc::O_WRONLY | libc::O_CLOEXEC, 0)?;
    sysfs::write_all(fd.as_fd(), text.as_bytes())
}

/// newuidmap or newgidmap PID container host size [...], which check the ranges against
/// /etc/subuid or /etc/subgid.
fn run_tool(tool: &'static str, pid: i32, maps: &[IdMapping]) -> Result<(), LaunchError> {
    let args: Vec<String> =
        maps.iter().flat_map(|m| [m.container_id, m.host_id, m.size]).map(|n| n.to_string()).collect();
    let failed = |why: String| LaunchError::IdMapTool { tool, pid, args: args.join(" "), why };
    let out = std::process::Command::new(tool)
        .arg(pid.to_string())
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| failed(format!("cannot run it ({e}); install the uidmap package")))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    Err(failed(if stderr.is_empty() { format!("it failed ({})", out.status) } else { stderr }))
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

//! Reading and writing cgroup files, every error carrying the path and the value.

use std::path::{Path, PathBuf};

use super::error::{CgroupError, Result};
use crate::sys::Errno;

fn errno(e: &std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

/// Writes `value` to `dir/name` (cgroup files are written whole, without truncation).
pub fn write(dir: &Path, name: &str, value: impl AsRef<str>) -> Result<()> {
    let path = dir.join(name);
    let value = value.as_ref();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, value.as_bytes()))
        .map_err(|e| CgroupError::Write { path, value: value.to_string(), errno: errno(&e) })
}

pub fn read(dir: &Path, name: &str) -> Result<String> {
    let path = dir.join(name);
    std::fs::read_to_string(&path).map_err(|e| CgroupError::Read { path, errno: errno(&e) })
}

/// The file's content, or None when the file does not exist.
pub fn read_optional(dir: &Path, name: &str) -> Result<Option<String>> {
    match read(dir, name) {
        Ok(s) => Ok(Some(s)),
        Err(CgroupError::Read { errno: Errno::ENOENT, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A file holding one unsigned number ("max" counts as u64::MAX).
pub fn read_u64(dir: &Path, name: &str) -> Result<u64> {
    let text = read(dir, name)?;
    parse_u64(text.trim()).ok_or_else(|| CgroupError::Read { path: dir.join(name), errno: Errno::EINVAL })
}

pub fn parse_u64(s: &str) -> Option<u64> {
    if s == "max" {
        Some(u64::MAX)
    } else {
        s.parse().ok()
    }
}

pub fn exists(dir: &Path, name: &str) -> bool {
    dir.join(name).exists()
}

/// mkdir -p, returning the directories it created (outermost first), so that a failed create
/// removes exactly those.
pub fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut cur = dir.to_path_buf();
    while !cur.exists() {
        missing.push(cur.clone());
        if !cur.pop() {
            break;
        }
    }
    missing.reverse();
    for d in &missing {
        match std::fs::create_dir(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(CgroupError::Create { path: d.clone(), errno: errno(&e) }),
        }
    }
    Ok(missing)
}

/// rmdir of a cgroup directory; a missing one is already gone.
pub fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CgroupError::Remove { path: dir.to_path_buf(), errno: errno(&e) }),
    }
}

/// The pids listed in a cgroup.procs file.
pub fn read_pids(dir: &Path) -> Result<Vec<i32>> {
    Ok(read(dir, "cgroup.procs")?.lines().filter_map(|l| l.trim().parse().ok()).collect())
}

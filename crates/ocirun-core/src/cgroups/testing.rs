//! Fixtures the cgroup tests share.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

use super::layout::{parse_mountinfo, Layout};

/// A scratch cgroup directory; its processes are killed and it is removed on drop, also when
/// an assertion fails.
pub struct ScratchCgroup(pub PathBuf);

impl ScratchCgroup {
    /// Makes `name` under the hierarchy mounted at `root`; None when that hierarchy is absent
    /// or the directory exists (a co-mounted hierarchy already got it).
    pub fn new(root: &Path, name: &str) -> Option<ScratchCgroup> {
        if !root.join("cgroup.procs").exists() {
            return None;
        }
        let dir = root.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => Some(ScratchCgroup(dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
            Err(e) => panic!("mkdir {dir:?}: {e}"),
        }
    }
}

impl Drop for ScratchCgroup {
    fn drop(&mut self) {
        for _ in 0..100 {
            let procs = std::fs::read_to_string(self.0.join("cgroup.procs")).unwrap_or_default();
            for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                let _ = crate::sys::pidfd::kill(pid, libc::SIGKILL);
            }
            if std::fs::remove_dir(&self.0).is_ok() || !self.0.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("could not remove {:?}", self.0);
    }
}

/// Kills and reaps a child even when an assertion fails.
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:")).unwrap_or("");
    uid.split_whitespace().nth(1) == Some("0")
}

/// A hybrid layout like this machine's: cpu and memory on v1, a unified hierarchy offering
/// `unified_controllers`.
pub fn hybrid_layout(unified_controllers: &[&str]) -> Layout {
    let all = parse_mountinfo(
        "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n\
         35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n\
         41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
    );
    Layout {
        v1: all.iter().filter(|h| !h.v2).cloned().collect(),
        unified: all.iter().find(|h| h.v2).cloned(),
        unified_controllers: unified_controllers.iter().map(|c| c.to_string()).collect(),
    }
}

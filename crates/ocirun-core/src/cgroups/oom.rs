//! Waiting for the OOM killer to strike in a container's cgroup (for `ocirun events`).
//
// cgroup v1: an eventfd registered through cgroup.event_control for memory.oom_control is
// signalled on every OOM in the cgroup, and once more when the cgroup is removed (the kernel
// tears the registration down on rmdir). Whether the directory still exists tells them apart.
//
// cgroup v2: the kernel reports a change of memory.events as IN_MODIFY, and an OOM kill raises
// its oom_kill count. kernfs sends no inotify event when the cgroup is removed (no
// IN_DELETE_SELF nor IN_IGNORED, for a watch on the directory or on any of its files, checked on
// Linux 6.18), so `wait` also looks whether the directory is still there every GONE_CHECK_MS.

use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::{CgroupError, Result};
use super::file;
use crate::sys::{events, pidfd, Errno};

/// Longest time a wait goes without checking whether the cgroup was removed.
pub const GONE_CHECK_MS: i32 = 1000;

/// What ended a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OomEvent {
    /// The OOM killer killed a process of the cgroup.
    Oom,
    /// The cgroup went away (the container was deleted).
    Gone,
}

pub struct OomWatcher {
    dir: PathBuf,
    source: Source,
    gone: bool,
}

enum Source {
    V1 {
        eventfd: OwnedFd,
        /// The registration refers to this descriptor; it stays open while the watch is in use.
        _oom_control: File,
    },
    V2 {
        inotify: OwnedFd,
        /// memory.events' oom_kill count last seen.
        oom_kills: u64,
    },
}

impl OomWatcher {
    /// Watches a v1 memory cgroup directory (memory.oom_control through cgroup.event_control).
    pub fn v1(memory_dir: &Path) -> Result<OomWatcher> {
        let control = memory_dir.join("memory.oom_control");
        let oom_control = File::open(&control).map_err(|e| CgroupError::Read {
            path: control.clone(),
            errno: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
        })?;
        let eventfd = events::eventfd().map_err(|errno| CgroupError::OomWatch { path: control, errno })?;
        let registration = format!("{} {}", eventfd.as_raw_fd(), oom_control.as_raw_fd());
        file::write(memory_dir, "cgroup.event_control", registration)?;
        let source = Source::V1 { eventfd, _oom_control: oom_control };
        Ok(OomWatcher { dir: memory_dir.to_path_buf(), source, gone: false })
    }

    /// Watches a cgroup v2 directory (memory.events' oom_kill count, through inotify).
    pub fn v2(dir: &Path) -> Result<OomWatcher> {
        let path = dir.join("memory.events");
        let watch_error = |errno| CgroupError::OomWatch { path: path.clone(), errno };
        let inotify = events::inotify_init().map_err(watch_error)?;
        events::inotify_add_watch(inotify.as_fd(), &path, libc::IN_MODIFY | libc::IN_DELETE_SELF)
            .map_err(watch_error)?;
        // Counted after the watch is in place, so that no kill in between goes unnoticed.
        let oom_kills = oom_kill_count(&file::read(dir, "memory.events")?);
        Ok(OomWatcher { dir: dir.to_path_buf(), source: Source::V2 { inotify, oom_kills }, gone: false })
    }

    /// Watches the memory cgroup of a container's recorded cgroups: the v1 memory hierarchy's
    /// directory if there is one, else the unified one. None when neither exists.
    pub fn for_container(paths: &super::CgroupPaths) -> Result<Option<OomWatcher>> {
        match paths.v1.iter().find(|(k, _)| k.split(',').any(|c| c == "memory")) {
            Some((_, dir)) => OomWatcher::v1(dir).map(Some),
            None => paths.unified.as_deref().map(OomWatcher::v2).transpose(),
        }
    }

    /// The descriptor that turns readable when something may have happened (see `check`).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.source.fd()
    }

    /// What happened since the last look, without blocking: an OOM kill, the cgroup's removal,
    /// or nothing. A caller that waits on `fd` also calls this now and then (every
    /// GONE_CHECK_MS), since the removal of a v2 cgroup wakes no one.
    pub fn check(&mut self) -> Result<Option<OomEvent>> {
        if self.gone {
            return Ok(Some(OomEvent::Gone));
        }
        let event = self.take()?.or_else(|| (!self.dir.exists()).then_some(OomEvent::Gone));
        self.gone = event == Some(OomEvent::Gone);
        Ok(event)
    }

    /// Blocks until the next OOM kill, or until the cgroup is removed. `timeout_ms` < 0 waits
    /// forever; None on timeout. Once the cgroup is gone every wait returns Gone at once.
    ///
    /// Kills that happen close together may be reported as one Oom; a kill right before the
    /// removal may be reported as Gone only.
    pub fn wait(&mut self, timeout_ms: i32) -> Result<Option<OomEvent>> {
        let deadline = u64::try_from(timeout_ms).ok().map(|ms| Instant::now() + Duration::from_millis(ms));
        loop {
            if let Some(event) = self.check()? {
                return Ok(Some(event));
            }
            let slice = deadline.map_or(GONE_CHECK_MS, |d| ceil_millis(d.saturating_duration_since(Instant::now())));
            pidfd::poll_readable(&[self.source.fd()], slice.min(GONE_CHECK_MS))
                .map_err(|errno| self.watch_error(errno))?;
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return self.check();
            }
        }
    }

    /// Consumes what woke the poll; None when it was no OOM kill.
    fn take(&mut self) -> Result<Option<OomEvent>> {
        let watch_error = |errno| CgroupError::OomWatch { path: self.dir.clone(), errno };
        match &mut self.source {
            Source::V1 { eventfd, .. } => match events::eventfd_take(eventfd.as_fd()).map_err(watch_error)? {
                None => Ok(None),
                Some(_) if !self.dir.exists() => Ok(Some(OomEvent::Gone)),
                Some(_) => Ok(Some(OomEvent::Oom)),
            },
            Source::V2 { inotify, oom_kills } => {
                let pending = events::inotify_take(inotify.as_fd()).map_err(watch_error)?;
                if pending.iter().any(|e| e.mask & (libc::IN_IGNORED | libc::IN_DELETE_SELF) != 0) {
                    return Ok(Some(OomEvent::Gone));
                }
                if !pending.iter().any(|e| e.mask & libc::IN_MODIFY != 0) {
                    return Ok(None);
                }
                let Some(text) = file::read_optional(&self.dir, "memory.events")? else {
                    return Ok(Some(OomEvent::Gone));
                };
                let count = oom_kill_count(&text);
                // memory.events also changes for the other counters (high, max, oom...).
                let killed = count > *oom_kills;
                *oom_kills = count;
                Ok(killed.then_some(OomEvent::Oom))
            }
        }
    }

    fn watch_error(&self, errno: Errno) -> CgroupError {
        CgroupError::OomWatch { path: self.dir.clone(), errno }
    }
}

impl Source {
    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Source::V1 { eventfd, .. } => eventfd.as_fd(),
            Source::V2 { inotify, .. } => inotify.as_fd(),
        }
    }
}

/// Milliseconds for poll(2), rounded up so that a wait never ends before its deadline.
fn ceil_millis(d: Duration) -> i32 {
    i32::try_from(d.as_micros().div_ceil(1000)).unwrap_or(i32::MAX)
}

/// The oom_kill count of memory.events; 0 when the kernel predates it (Linux 4.13) or the
/// line does not parse.
fn oom_kill_count(memory_events: &str) -> u64 {
    memory_events.lines().find_map(|l| l.strip_prefix("oom_kill ")).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;
    use crate::cgroups::testing::{is_root, Reaped, ScratchCgroup};

    #[test]
    fn oom_kill_count_reads_its_own_line_not_oom_or_oom_group_kill() {
        let events = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 1\n";
        assert_eq!(oom_kill_count(events), 2);
        assert_eq!(oom_kill_count("low 0\nhigh 0\nmax 0\noom 0\n"), 0);
        assert_eq!(oom_kill_count(""), 0);
    }

    #[test]
    fn v2_reports_a_rise_of_oom_kill_then_gone_when_the_file_is_deleted() {
        // On a regular filesystem the file can be rewritten and deleted, which kernfs never
        // does; the counting logic is the same.
        let dir = std::env::temp_dir().join(format!("ocirun-oom-v2-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let write = |text: &str| std::fs::write(dir.join("memory.events"), text).unwrap();
        write("max 4\noom 1\noom_kill 1\n");
        let mut w = OomWatcher::v2(&dir).unwrap();
        assert_eq!(w.wait(0).unwrap(), None, "kills before the watch started are not reported");

        write("max 5\noom 2\noom_kill 2\n");
        assert_eq!(w.wait(2000).unwrap(), Some(OomEvent::Oom));
        write("max 6\noom 2\noom_kill 2\n");
        assert_eq!(w.wait(50).unwrap(), None, "another counter changed");

        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(w.wait(2000).unwrap(), Some(OomEvent::Gone));
        assert_eq!(w.wait(-1).unwrap(), Some(OomEvent::Gone), "gone stays gone");
    }

    #[test]
    fn v2_needs_memory_events() {
        let dir = std::env::temp_dir().join(format!("ocirun-oom-v2-none-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = OomWatcher::v2(&dir).err().unwrap();
        std::fs::remove_dir(&dir).unwrap();
        assert_eq!(err.errno(), Some(Errno::ENOENT), "{err}");
    }

    #[test]
    fn v1_reports_an_oom_kill_then_gone_after_rmdir() {
        let root = Path::new("/sys/fs/cgroup/memory");
        if !is_root() || !root.join("cgroup.event_control").exists() {
            eprintln!("skipped: needs root and a v1 memory hierarchy");
            return;
        }
        let cg = ScratchCgroup(root.join(format!("ocirun-oom-test-{}", std::process::id())));
        std::fs::create_dir(&cg.0).unwrap();
        file::write(&cg.0, "memory.limit_in_bytes", "16M").unwrap();
        if file::exists(&cg.0, "memory.memsw.limit_in_bytes") {
            file::write(&cg.0, "memory.memsw.limit_in_bytes", "16M").unwrap();
        }

        let mut w = OomWatcher::v1(&cg.0).unwrap();
        assert_eq!(w.wait(50).unwrap(), None, "nothing happened yet");

        // tail keeps a line in memory until it sees a newline, which /dev/zero never sends.
        let script = format!("echo $$ > {:?}/cgroup.procs && exec tail /dev/zero", cg.0);
        let mut hog = Reaped(Command::new("sh").args(["-c", &script]).spawn().unwrap());
        let started = Instant::now();
        assert_eq!(w.wait(10_000).unwrap(), Some(OomEvent::Oom), "after {:?}", started.elapsed());
        let status = hog.0.wait().unwrap();
        assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(libc::SIGKILL));

        let removed = Instant::now();
        while std::fs::remove_dir(&cg.0).is_err() {
            assert!(removed.elapsed() < Duration::from_secs(5), "rmdir {:?} kept failing", cg.0);
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(w.wait(5_000).unwrap(), Some(OomEvent::Gone));
        // The eventfd, not the periodic directory check, ended that wait.
        assert!(removed.elapsed() < Duration::from_millis(u64::from(GONE_CHECK_MS.unsigned_abs())));
        assert_eq!(w.wait(0).unwrap(), Some(OomEvent::Gone));
    }
}

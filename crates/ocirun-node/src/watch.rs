//! Waiting without holding a thread per wait: one watcher thread waits with epoll on the
//! process descriptors of container inits and on OOM watches, and settles the JS promises
//! through napi deferreds. A libuv pool thread blocked in a wait would stall every other
//! async operation of the embedding process once four containers were being waited for.
//!
//! Every wait has a token (from `nextWatchToken`) so that the embedder can cancel it: a pending
//! promise keeps Node's event loop alive, which is right for `wait()` and wrong for an events
//! iterator that was abandoned.

use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use napi::bindgen_prelude::Object;
use napi::{Env, JsDeferred};
use napi_derive::napi;
use ocirun_core::cgroups::oom::{OomEvent, OomWatcher, GONE_CHECK_MS};
use ocirun_core::cgroups::CgroupPaths;
use ocirun_core::launcher::{signal, LaunchError};
use ocirun_core::sys::epoll::Epoll;
use ocirun_core::sys::pidfd::{self, ExitStatus};
use ocirun_core::sys::Errno;

use crate::failure::{failure, NativeFailure};

/// What to do with an exited process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExitMode {
    /// Reap it and report its status (it is this process's child).
    Reap,
    /// Report its status and leave it for its reaper (this process's child, waited for elsewhere).
    Peek,
    /// Only report that it exited (any process).
    Observe,
}

type Resolver<T> = Box<dyn FnOnce(Env) -> napi::Result<T> + Send>;
type Deferred<T> = JsDeferred<T, Resolver<T>>;

#[napi(object)]
pub struct ExitWatch {
    /// "exited", or "cancelled" when `cancelWatch` ended the wait first.
    pub outcome: String,
    /// The exit code (128 + N when killed by signal N); known only when this process reaped it.
    pub status: Option<i32>,
    pub signal: Option<i32>,
    pub failure: Option<NativeFailure>,
}

impl ExitWatch {
    fn exited(status: Option<ExitStatus>) -> ExitWatch {
        let signal = match status {
            Some(ExitStatus::Signaled(s)) => Some(s),
            _ => None,
        };
        ExitWatch { outcome: "exited".into(), status: status.map(ExitStatus::code), signal, failure: None }
    }

    fn cancelled() -> ExitWatch {
        ExitWatch { outcome: "cancelled".into(), status: None, signal: None, failure: None }
    }

    fn failed(f: NativeFailure) -> ExitWatch {
        ExitWatch { outcome: "error".into(), status: None, signal: None, failure: Some(f) }
    }
}

#[napi(object)]
pub struct OomWatchEvent {
    /// "oom", "gone" (the cgroup was removed), "cancelled", or "error".
    pub event: String,
    pub failure: Option<NativeFailure>,
}

impl OomWatchEvent {
    fn of(event: &str) -> OomWatchEvent {
        OomWatchEvent { event: event.into(), failure: None }
    }
}

enum Entry {
    Exit {
        pidfd: OwnedFd,
        mode: ExitMode,
        deferred: Deferred<ExitWatch>,
    },
    Oom {
        /// None when the container has no memory cgroup: the watch reports "gone" only.
        watcher: Option<OomWatcher>,
        /// The promise of the caller waiting for the next event, if one is.
        waiting: Option<Deferred<OomWatchEvent>>,
        /// Events seen while no one was waiting, handed out by the next calls.
        missed: Vec<OomEvent>,
    },
}

struct Watcher {
    epoll: Epoll,
    entries: Mutex<HashMap<u32, Entry>>,
}

static WATCHER: OnceLock<Result<&'static Watcher, Errno>> = OnceLock::new();
static NEXT_TOKEN: AtomicU32 = AtomicU32::new(1);

fn watcher() -> Result<&'static Watcher, NativeFailure> {
    let started = WATCHER.get_or_init(|| {
        let w: &'static Watcher =
            Box::leak(Box::new(Watcher { epoll: Epoll::new()?, entries: Mutex::new(HashMap::new()) }));
        std::thread::Builder::new()
            .name("ocirun-watch".into())
            .spawn(move || w.run())
            .map_err(|e| e.raw_os_error().map_or(Errno::EAGAIN, Errno::from_raw))?;
        Ok(w)
    });
    started.map_err(|errno| failure(LaunchError::Spawn(errno)))
}

impl Watcher {
    fn entries(&self) -> MutexGuard<'_, HashMap<u32, Entry>> {
        // A panic elsewhere while holding the lock leaves the map consistent: every change is
        // one insert or remove.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn run(&self) {
        loop {
            // The timeout lets OOM watches notice a removed cgroup, which wakes no one.
            let ready: Vec<u32> = match self.epoll.wait(GONE_CHECK_MS) {
                Ok(tokens) => tokens.into_iter().filter_map(|t| u32::try_from(t).ok()).collect(),
                Err(_) => {
                    // Only a broken epoll descriptor fails here; do not spin on it.
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    Vec::new()
                }
            };
            let mut entries = self.entries();
            for token in &ready {
                if let Some(Entry::Exit { .. }) = entries.get(token) {
                    if let Some(Entry::Exit { pidfd, mode, deferred }) = entries.remove(token) {
                        let _ = self.epoll.remove(pidfd.as_fd());
                        settle_exit(pidfd, mode, deferred);
                    }
                }
            }
            let oom_tokens: Vec<u32> =
                entries.iter().filter(|(_, e)| matches!(e, Entry::Oom { .. })).map(|(t, _)| *t).collect();
            for token in oom_tokens {
                if let Some(Entry::Oom { watcher: Some(watcher), waiting, missed }) = entries.get_mut(&token) {
                    poll_oom(watcher, waiting, missed);
                    if ready.contains(&token) {
                        let _ = self.epoll.rearm(watcher.fd(), u64::from(token));
                    }
                }
            }
        }
    }
}

fn settle_exit(pidfd: OwnedFd, mode: ExitMode, deferred: Deferred<ExitWatch>) {
    let status = match mode {
        ExitMode::Reap => pidfd::wait_child(pidfd.as_fd()),
        ExitMode::Peek => pidfd::peek_child(pidfd.as_fd()),
        ExitMode::Observe => Err(Errno::ECHILD),
    };
    let result = match status {
        Ok(status) => ExitWatch::exited(Some(status)),
        // Not ours, or reaped by someone else: it exited, with a status no one can know now.
        Err(Errno::ECHILD) => ExitWatch::exited(None),
        Err(errno) => ExitWatch::failed(failure(LaunchError::Wait { pid: -1, errno })),
    };
    deferred.resolve(Box::new(move |_| Ok(result)));
}

fn poll_oom(watcher: &mut OomWatcher, waiting: &mut Option<Deferred<OomWatchEvent>>, missed: &mut Vec<OomEvent>) {
    let event = match watcher.check() {
        Ok(Some(e)) => e,
        Ok(None) => return,
        Err(e) => {
            if let Some(d) = waiting.take() {
                let f = failure(LaunchError::Cgroup(e));
                d.resolve(Box::new(move |_| Ok(OomWatchEvent { event: "error".into(), failure: Some(f) })));
            }
            return;
        }
    };
    if let Some(d) = waiting.take() {
        d.resolve(Box::new(move |_| Ok(OomWatchEvent::of(oom_name(event)))));
        if event == OomEvent::Oom {
            return;
        }
    }
    // Gone is final and is handed to every later call, so it is queued once and never taken.
    if missed.last() != Some(&OomEvent::Gone) {
        missed.push(event);
    }
}

fn oom_name(e: OomEvent) -> &'static str {
    match e {
        OomEvent::Oom => "oom",
        OomEvent::Gone => "gone",
    }
}

/// A token for one wait (see `cancelWatch`).
#[napi]
pub fn next_watch_token() -> u32 {
    NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)
}

/// Resolves when the process `pid` (started at `startTime`) exits. "reap": it is this
/// process's child; reap it and report its status. "peek": report the status of this child
/// and leave it for its reaper. "observe": any process; only report that it exited.
#[napi(
    ts_args_type = "token: number, pid: number, startTime: number, mode: 'reap' | 'peek' | 'observe'",
    ts_return_type = "Promise<ExitWatch>"
)]
pub fn watch_exit(env: &Env, token: u32, pid: i32, start_time: i64, mode: String) -> napi::Result<Object<'_>> {
    let mode = match mode.as_str() {
        "reap" => ExitMode::Reap,
        "peek" => ExitMode::Peek,
        "observe" => ExitMode::Observe,
        other => return Err(napi::Error::from_reason(format!("watchExit: unknown mode {other:?}"))),
    };
    let (deferred, promise) = env.create_deferred::<ExitWatch, Resolver<ExitWatch>>()?;
    let opened = if mode != ExitMode::Observe {
        // Our own unreaped child cannot be a reused pid.
        pidfd::pidfd_open(pid).map(Some).map_err(|errno| LaunchError::Pidfd { pid, errno })
    } else {
        signal::open_verified(pid, start_time as u64)
    };
    let fd = match (opened, watcher()) {
        (Ok(Some(fd)), Ok(w)) => (fd, w),
        (Ok(None), _) => {
            deferred.resolve(Box::new(|_| Ok(ExitWatch::exited(None))));
            return Ok(promise);
        }
        (Err(e), _) => {
            let f = failure(e);
            deferred.resolve(Box::new(move |_| Ok(ExitWatch::failed(f))));
            return Ok(promise);
        }
        (_, Err(f)) => {
            deferred.resolve(Box::new(move |_| Ok(ExitWatch::failed(f))));
            return Ok(promise);
        }
    };
    let (pidfd, w) = fd;
    let mut entries = w.entries();
    if let Err(errno) = w.epoll.add_oneshot(pidfd.as_fd(), u64::from(token)) {
        let f = failure(LaunchError::Wait { pid, errno });
        deferred.resolve(Box::new(move |_| Ok(ExitWatch::failed(f))));
        return Ok(promise);
    }
    entries.insert(token, Entry::Exit { pidfd, mode, deferred });
    Ok(promise)
}

/// Starts watching the container's memory cgroup for OOM kills; `nextOom` hands out the events.
/// Returns a failure when the cgroup cannot be watched.
#[napi]
pub fn watch_oom(token: u32, paths_json: String) -> Option<NativeFailure> {
    let open = || -> Result<(), NativeFailure> {
        let paths: CgroupPaths = serde_json::from_str(&paths_json).map_err(|e| failure(LaunchError::Config(e)))?;
        let w = watcher()?;
        let Some(oom) = OomWatcher::for_container(&paths).map_err(|e| failure(LaunchError::Cgroup(e)))? else {
            w.entries().insert(token, Entry::Oom { watcher: None, waiting: None, missed: vec![OomEvent::Gone] });
            return Ok(());
        };
        let mut entries = w.entries();
        w.epoll
            .add_oneshot(oom.fd(), u64::from(token))
            .map_err(|errno| failure(LaunchError::Wait { pid: -1, errno }))?;
        entries.insert(token, Entry::Oom { watcher: Some(oom), waiting: None, missed: Vec::new() });
        Ok(())
    };
    open().err()
}

/// The next event of the OOM watch `token`: "oom", "gone" once the cgroup is removed (and from
/// then on), or "cancelled".
#[napi(ts_return_type = "Promise<OomWatchEvent>")]
pub fn next_oom(env: &Env, token: u32) -> napi::Result<Object<'_>> {
    let (deferred, promise) = env.create_deferred::<OomWatchEvent, Resolver<OomWatchEvent>>()?;
    let mut entries = match watcher() {
        Ok(w) => w.entries(),
        Err(f) => {
            deferred.resolve(Box::new(move |_| Ok(OomWatchEvent { event: "error".into(), failure: Some(f) })));
            return Ok(promise);
        }
    };
    match entries.get_mut(&token) {
        Some(Entry::Oom { waiting, missed, .. }) if waiting.is_none() => {
            if missed.is_empty() {
                *waiting = Some(deferred);
            } else {
                let event =
                    if missed.len() == 1 && missed[0] == OomEvent::Gone { OomEvent::Gone } else { missed.remove(0) };
                deferred.resolve(Box::new(move |_| Ok(OomWatchEvent::of(oom_name(event)))));
            }
        }
        // Unknown, cancelled, or another call already waiting: nothing will come.
        _ => deferred.resolve(Box::new(|_| Ok(OomWatchEvent::of("cancelled")))),
    }
    Ok(promise)
}

/// Ends the wait or watch `token`: a pending promise resolves as "cancelled", and the
/// descriptors are closed.
#[napi]
pub fn cancel_watch(token: u32) {
    let Some(Ok(w)) = WATCHER.get() else { return };
    let Some(entry) = w.entries().remove(&token) else { return };
    match entry {
        Entry::Exit { pidfd, deferred, .. } => {
            let _ = w.epoll.remove(pidfd.as_fd());
            deferred.resolve(Box::new(|_| Ok(ExitWatch::cancelled())));
        }
        Entry::Oom { watcher, waiting, .. } => {
            if let Some(watcher) = &watcher {
                let _ = w.epoll.remove(watcher.fd());
            }
            if let Some(d) = waiting {
                d.resolve(Box::new(|_| Ok(OomWatchEvent::of("cancelled"))));
            }
        }
    }
}

//! Operations on a created container's init: start, signal, wait, and the process facts that
//! `state` is computed from.

use std::os::fd::IntoRawFd;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use ocirun_core::launcher::{fifo, procfs, signal};

use crate::failure::{failure, NativeFailure};
use crate::task::{blocking, Blocking};

/// Makes exec.fifo in the state directory.
#[napi]
pub fn make_exec_fifo(state_dir: String) -> Option<NativeFailure> {
    fifo::make(state_dir.as_ref()).err().map(failure)
}

/// Releases a created container's init to exec the user's process.
#[napi(ts_return_type = "Promise<NativeFailure | null>")]
pub fn start_container(state_dir: String, pid: i32, start_time: i64) -> AsyncTask<Blocking<Option<NativeFailure>>> {
    blocking(move || fifo::release(state_dir.as_ref(), pid, start_time as u64).err().map(failure))
}

/// startContainer, blocking the calling thread (for the CLI).
#[napi]
pub fn start_container_sync(state_dir: String, pid: i32, start_time: i64) -> Option<NativeFailure> {
    fifo::release(state_dir.as_ref(), pid, start_time as u64).err().map(failure)
}

#[napi(object)]
pub struct SignalResult {
    /// False when the process no longer exists.
    pub delivered: bool,
    pub failure: Option<NativeFailure>,
}

/// Sends a signal through a pidfd, after checking the process is still the container's init.
#[napi]
pub fn signal_process(pid: i32, start_time: i64, signal: i32) -> SignalResult {
    match signal::kill(pid, start_time as u64, signal) {
        Ok(delivered) => SignalResult { delivered, failure: None },
        Err(e) => SignalResult { delivered: false, failure: Some(failure(e)) },
    }
}

#[napi(object)]
pub struct ProcessStat {
    pub comm: String,
    /// The state letter of /proc/PID/stat: R, S, D, Z, T, ...
    pub state: String,
    pub start_time: i64,
}

/// /proc/PID/stat of a process, or null if there is none.
#[napi]
pub fn process_stat(pid: i32) -> Option<ProcessStat> {
    procfs::stat(pid).map(|s| ProcessStat { comm: s.comm, state: s.state.to_string(), start_time: s.start_time as i64 })
}

#[napi(object)]
pub struct Pipe {
    pub read: i32,
    pub write: i32,
}

/// A pipe for a container's stdio; both ends close-on-exec, owned by the caller from now on.
#[napi]
pub fn make_pipe() -> napi::Result<Pipe> {
    let (r, w) = ocirun_core::sys::fs::pipe().map_err(|errno| napi::Error::from_reason(format!("pipe: {errno:?}")))?;
    Ok(Pipe { read: r.into_raw_fd(), write: w.into_raw_fd() })
}

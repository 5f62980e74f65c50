//! Operations on a created container's init: start, signal, wait, and the process facts that
//! `state` is computed from.

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use ocirun_core::launcher::{fifo, procfs, signal};
use ocirun_core::sys::pidfd::ExitStatus;

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

/// Resolves true once the process has exited (waits at most timeoutMs; < 0 forever).
#[napi(ts_return_type = "Promise<boolean>")]
pub fn wait_exited(pid: i32, start_time: i64, timeout_ms: i32) -> AsyncTask<Blocking<bool>> {
    blocking(move || signal::wait_exited(pid, start_time as u64, timeout_ms).unwrap_or(true))
}

#[napi(object)]
pub struct ExitResult {
    /// The exit code, or 128 + the signal number, as a shell reports it.
    pub status: i32,
    /// The signal that killed the process, if one did.
    pub signal: Option<i32>,
    pub failure: Option<NativeFailure>,
}

/// Waits for a child of this process (a container init made by this process) and reaps it.
#[napi(ts_return_type = "Promise<ExitResult>")]
pub fn wait_child(pid: i32) -> AsyncTask<Blocking<ExitResult>> {
    blocking(move || match signal::wait_child(pid) {
        Ok(s @ ExitStatus::Exited(_)) => ExitResult { status: s.code(), signal: None, failure: None },
        Ok(s @ ExitStatus::Signaled(sig)) => ExitResult { status: s.code(), signal: Some(sig), failure: None },
        Err(e) => ExitResult { status: -1, signal: None, failure: Some(failure(e)) },
    })
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

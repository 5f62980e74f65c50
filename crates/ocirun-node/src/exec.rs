//! Starting a process in a running container (`exec`).

use std::os::fd::IntoRawFd;

use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi_derive::napi;
use ocirun_core::cgroups::CgroupPaths;
use ocirun_core::launcher::exec::{self, ExecRequest, Executed};
use ocirun_core::launcher::{procfs, LaunchError};

use crate::failure::{failure, NativeFailure};
use crate::launch::{borrowed, start_with, with_stdio};
use crate::task::{blocking, Blocking};
use crate::INIT_EXECUTABLE;

#[napi(object)]
pub struct ExecOptions {
    pub id: String,
    pub bundle: String,
    /// The container's init: pid and start time.
    pub init_pid: i32,
    pub init_start_time: i64,
    /// The container's cgroups (state.json's JSON); none: the process stays in the caller's.
    pub cgroup_paths: Option<String>,
    /// `--cgroup`: a sub-cgroup of the container's ("sub" or "cpu,memory:sub").
    pub sub_cgroup: Option<String>,
    /// The descriptors (in this process) to become the process's stdin, stdout and stderr;
    /// absent: this process's own.
    pub stdio: Option<Vec<i32>>,
    /// Descriptors the process gets as 3, 4, ... (`--preserve-fds`).
    pub preserve_fds: Option<Vec<i32>>,
    pub console_socket: Option<String>,
    pub no_new_keyring: Option<bool>,
    /// The container is paused (`--ignore-paused`): the process runs once it is resumed.
    pub paused: Option<bool>,
    /// Fork the init from this process's zygote rather than spawn it (a long-lived caller).
    pub zygote: Option<bool>,
}

#[napi(object, object_from_js = false)]
pub struct ExecResult {
    pub pid: i32,
    pub start_time: i64,
    /// The terminal's master, when process.terminal is set and there is no console socket;
    /// the caller owns it.
    pub console: Option<i32>,
    pub warnings: Vec<String>,
    pub failure: Option<NativeFailure>,
}

/// Starts `process` (the spec's Process JSON) in the container whose config.json is `config`.
/// Resolves once the program has been executed; the process is a child of this one.
#[napi(ts_return_type = "Promise<ExecResult>")]
pub fn exec_process(config: Buffer, process: Buffer, options: ExecOptions) -> AsyncTask<Blocking<ExecResult>> {
    let (config, process) = (config.to_vec(), process.to_vec());
    blocking(move || run(&config, &process, options))
}

/// execProcess, blocking the calling thread (for the CLI).
#[napi]
pub fn exec_process_sync(config: Buffer, process: Buffer, options: ExecOptions) -> ExecResult {
    run(&config, &process, options)
}

fn run(config: &[u8], process: &[u8], mut options: ExecOptions) -> ExecResult {
    let stdio = options.stdio.take();
    let done = with_stdio(stdio.as_deref(), |stdio| {
        let cgroups = cgroups_of(&options)?;
        let req = ExecRequest {
            id: options.id.clone(),
            bundle: options.bundle.clone().into(),
            init_pid: options.init_pid,
            init_start_time: options.init_start_time as u64,
            config,
            process,
            cgroups,
            stdio,
            preserve: borrowed(options.preserve_fds.as_deref().unwrap_or(&[]))?,
            console_socket: options.console_socket.clone().map(Into::into),
            no_new_keyring: options.no_new_keyring.unwrap_or(false),
            paused: options.paused.unwrap_or(false),
            start_with: start_with(options.zygote),
        };
        exec::exec(INIT_EXECUTABLE, req)
    });
    match done {
        Ok(Executed { pid, pidfd, console, warnings }) => {
            // The process is our child and unreaped, so its stat cannot belong to another one.
            let start_time = procfs::stat(pid).map(|s| s.start_time as i64).unwrap_or(0);
            drop(pidfd);
            ExecResult { pid, start_time, console: console.map(IntoRawFd::into_raw_fd), warnings, failure: None }
        }
        Err(e) => ExecResult { pid: 0, start_time: 0, console: None, warnings: vec![], failure: Some(failure(e)) },
    }
}

fn cgroups_of(options: &ExecOptions) -> Result<Option<CgroupPaths>, LaunchError> {
    let Some(json) = options.cgroup_paths.as_deref() else { return Ok(None) };
    let paths: CgroupPaths = serde_json::from_str(json)?;
    match options.sub_cgroup.as_deref() {
        Some(sub) => Ok(Some(exec::sub_cgroups(&paths, sub)?)),
        None => Ok(Some(paths)),
    }
}

//! Errors of the runtime-side operations, each naming what it was doing.

use std::path::PathBuf;

use crate::init::channel::ChannelError;
use crate::init::protocol::{Failure, StepError};
use crate::sys::Errno;

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("prepare the init executable")]
    InitBinary(#[source] Errno),
    #[error("spawn the init executable")]
    Spawn(#[source] Errno),
    #[error("talk to the init: {0}")]
    Channel(#[from] ChannelError),
    /// The init reported a failure: which step, and the errno.
    #[error("{0}")]
    Init(Failure),
    #[error("the init exited before it was ready (exit status {0})")]
    InitExited(i32),
    #[error("the init sent {0} where the protocol expects something else")]
    Unexpected(String),
    #[error("open a process descriptor for pid {pid}")]
    Pidfd {
        pid: i32,
        #[source]
        errno: Errno,
    },
    #[error("{tool} {pid} {args}: {why}")]
    IdMapTool { tool: &'static str, pid: i32, args: String, why: String },
    #[error("{what} {path:?}")]
    Path {
        what: &'static str,
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    #[error("signal pid {pid}")]
    Signal {
        pid: i32,
        #[source]
        errno: Errno,
    },
    #[error("wait for pid {pid}")]
    Wait {
        pid: i32,
        #[source]
        errno: Errno,
    },
    #[error("NOTIFY_SOCKET: {what}")]
    Notify {
        what: &'static str,
        #[source]
        errno: Errno,
    },
    #[error("the container's init (pid {pid}) exited before it could be started")]
    InitGone { pid: i32 },
    #[error(transparent)]
    Cgroup(#[from] crate::cgroups::CgroupError),
    #[error("config.json: {0}")]
    Config(#[from] serde_json::Error),
    #[error("config.json: {0}")]
    Setting(#[from] crate::process::InvalidSetting),
    #[error(transparent)]
    NetDevice(#[from] crate::netdev::NetDevError),
    #[error(transparent)]
    Seccomp(#[from] crate::seccomp::SeccompError),
    /// The terminal's master could not be sent to `--console-socket`.
    #[error("--console-socket: send the terminal to {path:?}")]
    ConsoleSocket {
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    /// The agent at linux.seccomp.listenerPath could not be given the notification descriptor.
    #[error(transparent)]
    Hook(#[from] crate::hooks::HookError),
    #[error("linux.seccomp.listenerPath: send the seccomp notification descriptor to {path:?}")]
    SeccompListener {
        path: PathBuf,
        #[source]
        errno: Errno,
    },
}

impl LaunchError {
    /// A stable code for the binding layer (and, through it, for TypeScript callers).
    pub fn code(&self) -> &'static str {
        match self {
            LaunchError::InitBinary(_) | LaunchError::Spawn(_) => "ESPAWN",
            LaunchError::Channel(_) | LaunchError::Unexpected(_) => "EPROTOCOL",
            LaunchError::Init(f) if f.step.is_hook() => "EHOOK",
            LaunchError::Init(_) => "EINIT",
            LaunchError::Hook(_) => "EHOOK",
            LaunchError::InitExited(_) | LaunchError::InitGone { .. } => "EINITEXITED",
            LaunchError::Pidfd { .. } | LaunchError::Signal { .. } | LaunchError::Wait { .. } => "EPROCESS",
            LaunchError::Path { .. } => "EPATH",
            LaunchError::IdMapTool { .. } => "EIDMAP",
            LaunchError::Cgroup(_) => "ECGROUP",
            LaunchError::Config(_) | LaunchError::Setting(_) | LaunchError::Seccomp(_) => "ECONFIG",
            LaunchError::NetDevice(_) => "ENETDEV",
            LaunchError::SeccompListener { .. } => "ESECCOMP",
            LaunchError::ConsoleSocket { .. } => "ECONSOLE",
            LaunchError::Notify { .. } => "ENOTIFY",
        }
    }

    /// The errno behind the error, if a syscall failed.
    pub fn errno(&self) -> Option<String> {
        match self {
            LaunchError::InitBinary(e) | LaunchError::Spawn(e) => Some(crate::sys::errno_name(*e)),
            LaunchError::Pidfd { errno, .. }
            | LaunchError::Path { errno, .. }
            | LaunchError::Signal { errno, .. }
            | LaunchError::Wait { errno, .. }
            | LaunchError::SeccompListener { errno, .. }
            | LaunchError::ConsoleSocket { errno, .. }
            | LaunchError::Notify { errno, .. } => Some(crate::sys::errno_name(*errno)),
            LaunchError::Init(f) => f.errno.clone(),
            LaunchError::Hook(e) => e.errno().map(crate::sys::errno_name),
            LaunchError::Cgroup(e) => e.errno().map(crate::sys::errno_name),
            LaunchError::NetDevice(e) => e.errno().map(crate::sys::errno_name),
            _ => None,
        }
    }

    /// The JSON path of the config.json field at fault, for configuration errors that know it.
    pub fn field(&self) -> Option<&str> {
        match self {
            LaunchError::Seccomp(e) => Some(e.field()),
            _ => None,
        }
    }

    /// The init's step, for failures the init reported.
    pub fn step(&self) -> Option<&'static str> {
        match self {
            LaunchError::Init(f) => Some(f.step.name()),
            LaunchError::Hook(e) => Some(e.step().name()),
            _ => None,
        }
    }
}

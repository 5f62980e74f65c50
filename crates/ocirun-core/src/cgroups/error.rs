//! What can go wrong with cgroups, each variant naming the file or directory involved.

use std::path::PathBuf;

use crate::sys::Errno;

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("read {path:?}")]
    Read {
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    #[error("write {value:?} to {path:?}")]
    Write {
        path: PathBuf,
        value: String,
        #[source]
        errno: Errno,
    },
    #[error("create cgroup {path:?}")]
    Create {
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    #[error("remove cgroup {path:?}")]
    Remove {
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    #[error("{path:?} still has processes after they were killed")]
    Busy { path: PathBuf },
    #[error("no cgroup hierarchy is mounted under /sys/fs/cgroup")]
    NoHierarchy,
    #[error("linux.resources.{field}: the {controller} controller is not available on this host")]
    NoController { field: &'static str, controller: &'static str },
    #[error("linux.resources.{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// A bad setting outside linux.resources (linux.cgroupsPath, a CLI flag).
    #[error("{setting}: {reason}")]
    Setting { setting: &'static str, reason: String },
    #[error("load the device filter for {path:?}")]
    DeviceFilter {
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    #[error("the kernel's verifier rejected the device filter for {path:?}: {log}")]
    DeviceFilterRejected {
        path: PathBuf,
        log: String,
        #[source]
        errno: Errno,
    },
    #[error("freeze {path:?}: still {state} after {waited_ms} ms")]
    FreezeTimeout { path: PathBuf, state: String, waited_ms: u64 },
    #[error("parse {path:?}: unexpected {content:?}")]
    Parse { path: PathBuf, content: String },
    #[error("watch {path:?} for OOM kills")]
    OomWatch {
        path: PathBuf,
        #[source]
        errno: Errno,
    },
}

impl CgroupError {
    pub fn errno(&self) -> Option<Errno> {
        match self {
            CgroupError::Read { errno, .. }
            | CgroupError::Write { errno, .. }
            | CgroupError::Create { errno, .. }
            | CgroupError::Remove { errno, .. }
            | CgroupError::DeviceFilter { errno, .. }
            | CgroupError::DeviceFilterRejected { errno, .. }
            | CgroupError::OomWatch { errno, .. } => Some(*errno),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> CgroupError {
        CgroupError::Invalid { field: field.into(), reason: reason.into() }
    }

    pub(crate) fn setting(setting: &'static str, reason: impl Into<String>) -> CgroupError {
        CgroupError::Setting { setting, reason: reason.into() }
    }
}

pub type Result<T> = std::result::Result<T, CgroupError>;

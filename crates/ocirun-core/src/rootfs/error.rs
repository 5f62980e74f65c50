//! What can go wrong while setting up the root filesystem, each variant naming its step.

use std::path::PathBuf;

use crate::init::protocol::{Step, StepError};
use crate::sys::Errno;

#[derive(Debug, thiserror::Error)]
pub enum RootfsError {
    #[error("set the propagation of / to {mode}")]
    Propagation {
        mode: String,
        #[source]
        errno: Errno,
    },
    #[error("bind the rootfs {path:?} onto itself")]
    BindRootfs {
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    #[error("open the rootfs {path:?}")]
    OpenRootfs {
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    #[error("mount {what} on {dst}")]
    Mount {
        what: String,
        dst: String,
        #[source]
        errno: Errno,
    },
    #[error("mount {what} on {dst}: {reason}")]
    MountRejected {
        what: String,
        dst: String,
        reason: String,
        #[source]
        errno: Errno,
    },
    #[error("mount {what} on {dst}: a mount without a type needs the bind or rbind option")]
    MissingType { what: String, dst: String },
    #[error("mount source {src:?} for {dst}")]
    Source {
        src: PathBuf,
        dst: String,
        #[source]
        errno: Errno,
    },
    #[error("mount destination {dst} is inside /proc, where only a proc filesystem (at /proc) or a few known files may be mounted")]
    ProcDestination { dst: String },
    #[error("mount {fstype} on {dst}: {fstype} must be mounted on an ordinary directory, and {dst} {why}")]
    NotOrdinaryDirectory { fstype: String, dst: String, why: String },
    #[error("mount on {dst}: {why}")]
    IdmapConfig { dst: String, why: &'static str },
    #[error("mount on {dst}: make the user namespace that carries its idmapping")]
    IdmapNamespace {
        dst: String,
        #[source]
        errno: Errno,
    },
    #[error("mount {src:?} on {dst}: the kernel refused to idmap it (the filesystem may not support idmapped mounts, or {src:?} is idmapped already)")]
    IdmapRefused {
        src: PathBuf,
        dst: String,
        #[source]
        errno: Errno,
    },
    #[error("copy the contents of {dst} into the new tmpfs (tmpcopyup)")]
    Copyup {
        dst: String,
        #[source]
        errno: Errno,
    },
    #[error("create device {path}")]
    Device {
        path: String,
        #[source]
        errno: Errno,
    },
    #[error("create device {path}: a file that is not the requested device is already there")]
    DeviceMismatch { path: String },
    #[error("create symlink {path}")]
    Symlink {
        path: String,
        #[source]
        errno: Errno,
    },
    #[error("pivot_root into {path:?}")]
    PivotRoot {
        path: PathBuf,
        #[source]
        errno: Errno,
    },
    #[error("make the root filesystem read-only")]
    ReadonlyRoot {
        #[source]
        errno: Errno,
    },
    #[error("make {path} read-only")]
    ReadonlyPath {
        path: String,
        #[source]
        errno: Errno,
    },
    #[error("mask {path}")]
    MaskPath {
        path: String,
        #[source]
        errno: Errno,
    },
    #[error("mask {path}: the container's /dev/null is missing or is not the null device (1:3)")]
    MaskNull {
        path: String,
        #[source]
        errno: Errno,
    },
}

impl StepError for RootfsError {
    fn step(&self) -> Step {
        use RootfsError::*;
        match self {
            Propagation { .. } => Step::RootfsPropagation,
            BindRootfs { .. } | OpenRootfs { .. } => Step::BindRootfs,
            Mount { .. }
            | MountRejected { .. }
            | MissingType { .. }
            | Source { .. }
            | ProcDestination { .. }
            | NotOrdinaryDirectory { .. }
            | IdmapConfig { .. }
            | IdmapNamespace { .. }
            | IdmapRefused { .. }
            | Copyup { .. } => Step::Mount,
            Device { .. } | DeviceMismatch { .. } => Step::CreateDevice,
            Symlink { .. } => Step::DevSymlink,
            PivotRoot { .. } => Step::PivotRoot,
            ReadonlyRoot { .. } => Step::ReadonlyRoot,
            ReadonlyPath { .. } => Step::ReadonlyPath,
            MaskPath { .. } | MaskNull { .. } => Step::MaskPath,
        }
    }

    fn errno(&self) -> Option<Errno> {
        use RootfsError::*;
        match self {
            Propagation { errno, .. }
            | BindRootfs { errno, .. }
            | OpenRootfs { errno, .. }
            | Mount { errno, .. }
            | MountRejected { errno, .. }
            | Source { errno, .. }
            | Copyup { errno, .. }
            | IdmapNamespace { errno, .. }
            | IdmapRefused { errno, .. }
            | Device { errno, .. }
            | Symlink { errno, .. }
            | PivotRoot { errno, .. }
            | ReadonlyRoot { errno, .. }
            | ReadonlyPath { errno, .. }
            | MaskPath { errno, .. }
            | MaskNull { errno, .. } => Some(*errno),
            MissingType { .. }
            | ProcDestination { .. }
            | NotOrdinaryDirectory { .. }
            | IdmapConfig { .. }
            | DeviceMismatch { .. } => None,
        }
    }
}

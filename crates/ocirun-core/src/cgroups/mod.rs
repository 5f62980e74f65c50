//! Control groups: the container's resource limits and accounting.
//!
//! One [`Manager`] per container, from the driver that fits the host: [`v1::V1`] (one
//! directory per mounted hierarchy), [`v2::V2`] (one directory in the unified hierarchy) or
//! [`hybrid::Hybrid`] (v1 controllers plus a cgroup2 mount, each controller served where it
//! is mounted). [`plan`] picks the driver from the detected layout; [`open`] re-opens the
//! cgroups a state file recorded.

pub mod convert;
pub mod devices;
mod error;
mod file;
pub mod hybrid;
pub mod layout;
mod manager;
pub mod oom;
pub mod path;
pub mod stats;
#[cfg(test)]
mod testing;
pub mod v1;
pub mod v2;
pub mod validate;

pub use error::{CgroupError, Result};
pub use manager::{open, plan, with_created, without_created, CgroupPaths, Manager};

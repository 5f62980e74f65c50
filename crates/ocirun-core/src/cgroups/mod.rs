//! Control groups: the container's resource limits and accounting.
//!
//! One [`Manager`] per container, made of a cgroup v1 part (one directory per mounted
//! hierarchy) and a cgroup v2 part (one directory in the unified hierarchy): a v1 host has only
//! the first, a v2 host only the second, and a hybrid host (v1 controllers plus a cgroup2
//! mount) both, each controller served where it is mounted.

pub mod convert;
pub mod devices;
mod error;
mod file;
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
pub use manager::{CgroupPaths, Manager};

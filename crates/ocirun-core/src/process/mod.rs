//! The container process's attributes: user and groups, capabilities, rlimits, sysctls, the
//! keyring, scheduling (CPU affinity, scheduler, I/O priority, memory policy), LSM labels,
//! personality, the working directory, and the final exec.

pub mod affinity;
mod attr_error;
pub mod caps;
mod error;
pub mod exec;
pub mod ioprio;
pub mod keyring;
pub mod labels;
pub mod mempolicy;
pub mod personality;
pub mod procfs;
pub mod rlimits;
pub mod scheduler;
pub mod sysctl;
pub mod user;

pub use attr_error::{AttributeError, InvalidSetting};
pub use error::ProcessError;

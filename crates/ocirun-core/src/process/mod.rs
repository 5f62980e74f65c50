//! The container process's attributes: user and groups, capabilities, rlimits, sysctls, the
//! working directory, and the final exec.

pub mod caps;
mod error;
pub mod exec;
pub mod procfs;
pub mod rlimits;
pub mod sysctl;
pub mod user;

pub use error::ProcessError;

//! napi-rs bindings for ocirun. This crate only converts values and moves blocking work off
//! the event loop; the logic lives in ocirun-core.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
// napi-rs registers the exported functions only in the cdylib; a test build sees them unused.
#![cfg_attr(test, allow(dead_code))]

mod cgroups;
mod exec;
mod failure;
mod features;
mod hooks;
mod launch;
mod lifecycle;
mod lock;
mod notify;
mod task;
mod tty;
mod watch;

/// The init executable, built for this addon's target by build.rs and carried inside the .node
/// file, so that each per-arch package is a single file.
pub(crate) static INIT_EXECUTABLE: &[u8] = include_bytes!(env!("OCIRUN_INIT_PATH"));

/// Size of the embedded init executable in bytes (for `ocirun --version --verbose` and tests).
#[napi_derive::napi]
pub fn init_executable_size() -> u32 {
    INIT_EXECUTABLE.len() as u32
}

//! The init executable, copied once per process into a sealed memfd.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::OnceLock;

use super::LaunchError;
use crate::sys::{memfd, Errno};

static SEALED: OnceLock<Result<OwnedFd, Errno>> = OnceLock::new();

/// The sealed copy of `bytes`, made on first use. Sealing (no write, no resize, no mode change)
/// is what keeps a container from overwriting the runtime through /proc/PID/exe: there is no
/// file on disk behind the init, and its memory cannot be changed.
pub fn sealed(bytes: &'static [u8]) -> Result<BorrowedFd<'static>, LaunchError> {
    match SEALED.get_or_init(|| memfd::sealed_executable("ocirun-init", bytes)) {
        Ok(fd) => Ok(fd.as_fd()),
        Err(e) => Err(LaunchError::InitBinary(*e)),
    }
}

//! The init's side: loading the filter the launcher compiled.

use std::os::fd::OwnedFd;

use crate::init::protocol::{Step, StepError};
use crate::sys::seccomp::{self as sys, SockFilter};
use crate::sys::Errno;

/// A compiled filter as the init receives it.
#[derive(Debug, Clone)]
pub struct Filter {
    pub instructions: Vec<SockFilter>,
    pub flags: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("load the seccomp filter ({len} instructions, flags {flags:#x})")]
pub struct LoadError {
    len: usize,
    flags: u32,
    #[source]
    errno: Errno,
}

impl StepError for LoadError {
    fn step(&self) -> Step {
        Step::Seccomp
    }

    fn errno(&self) -> Option<Errno> {
        Some(self.errno)
    }
}

/// Loads the filter into the calling process; returns the notification descriptor when the
/// filter has a listener.
pub fn load(filter: &Filter) -> Result<Option<OwnedFd>, LoadError> {
    sys::set_filter(filter.flags, &filter.instructions).map_err(|errno| LoadError {
        len: filter.instructions.len(),
        flags: filter.flags,
        errno,
    })
}

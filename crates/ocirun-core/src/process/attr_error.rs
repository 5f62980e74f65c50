//! Errors of the process attributes beyond user and capabilities: keyring, CPU affinity, I/O
//! priority, scheduler, memory policy, LSM exec labels, personality. And the error for a
//! setting the runtime refuses before anything starts.

use crate::init::protocol::{Step, StepError};
use crate::sys::Errno;

#[derive(Debug, thiserror::Error)]
pub enum AttributeError {
    #[error("join the session keyring {name:?}")]
    Keyring {
        name: String,
        #[source]
        errno: Errno,
    },
    #[error("reset the CPU affinity")]
    CpuAffinity {
        #[source]
        errno: Errno,
    },
    #[error("set process.ioPriority ({value:#x})")]
    IoPriority {
        value: u32,
        #[source]
        errno: Errno,
    },
    #[error("set process.scheduler (sched_setattr){hint}")]
    Scheduler {
        hint: &'static str,
        #[source]
        errno: Errno,
    },
    #[error("set linux.memoryPolicy (set_mempolicy)")]
    MemoryPolicy {
        #[source]
        errno: Errno,
    },
    #[error("{field}: {what}")]
    ExecLabel {
        field: &'static str,
        what: String,
        #[source]
        errno: Errno,
    },
    #[error("set linux.personality ({value:#x})")]
    Personality {
        value: u32,
        #[source]
        errno: Errno,
    },
}

impl StepError for AttributeError {
    fn step(&self) -> Step {
        match self {
            AttributeError::Keyring { .. } => Step::Keyring,
            AttributeError::CpuAffinity { .. } => Step::CpuAffinity,
            AttributeError::IoPriority { .. } => Step::IoPriority,
            AttributeError::Scheduler { .. } => Step::Scheduler,
            AttributeError::MemoryPolicy { .. } => Step::MemoryPolicy,
            AttributeError::ExecLabel { .. } => Step::ExecLabel,
            AttributeError::Personality { .. } => Step::Personality,
        }
    }

    fn errno(&self) -> Option<Errno> {
        match self {
            AttributeError::Keyring { errno, .. }
            | AttributeError::CpuAffinity { errno }
            | AttributeError::IoPriority { errno, .. }
            | AttributeError::Scheduler { errno, .. }
            | AttributeError::MemoryPolicy { errno }
            | AttributeError::ExecLabel { errno, .. }
            | AttributeError::Personality { errno, .. } => Some(*errno),
        }
    }
}

/// A setting of config.json the runtime refuses before anything exists, naming its field
/// ("process.scheduler.nice").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidSetting {
    pub field: String,
    pub reason: String,
}

impl InvalidSetting {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> InvalidSetting {
        InvalidSetting { field: field.into(), reason: reason.into() }
    }
}

//! What can go wrong while preparing the container's process.

use crate::init::protocol::{Step, StepError};
use crate::sys::Errno;

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("set hostname to {name:?}")]
    Hostname {
        name: String,
        #[source]
        errno: Errno,
    },
    #[error("set domainname to {name:?}")]
    Domainname {
        name: String,
        #[source]
        errno: Errno,
    },
    #[error("write sysctl {key}={value}")]
    Sysctl {
        key: String,
        value: String,
        #[source]
        errno: Errno,
    },
    #[error("sysctl name {key:?} is not valid")]
    SysctlName { key: String },
    #[error("write oom_score_adj {value}")]
    OomScoreAdj {
        value: i32,
        #[source]
        errno: Errno,
    },
    #[error("unknown rlimit {name}")]
    RlimitName { name: String },
    #[error("setrlimit {name} (soft {soft}, hard {hard})")]
    Rlimit {
        name: String,
        soft: u64,
        hard: u64,
        #[source]
        errno: Errno,
    },
    #[error("create the working directory {path:?}")]
    MakeCwd {
        path: String,
        #[source]
        errno: Errno,
    },
    #[error("chdir to the working directory {path:?}")]
    Chdir {
        path: String,
        #[source]
        errno: Errno,
    },
    #[error("the working directory {path:?} lies outside the container's root")]
    CwdOutsideRoot { path: String },
    #[error("{what} to {id}")]
    User {
        what: &'static str,
        id: String,
        #[source]
        errno: Errno,
    },
    #[error("{what}")]
    Capabilities {
        what: String,
        #[source]
        errno: Errno,
    },
    #[error("set no_new_privs")]
    NoNewPrivileges {
        #[source]
        errno: Errno,
    },
    #[error("exec: {name:?}: executable file not found in $PATH")]
    NotFound { name: String },
    #[error("exec: {path:?}")]
    NotExecutable {
        path: String,
        #[source]
        errno: Errno,
    },
    #[error("process.args is empty")]
    NoArgs,
}

impl StepError for ProcessError {
    fn step(&self) -> Step {
        use ProcessError::*;
        match self {
            Hostname { .. } => Step::Hostname,
            Domainname { .. } => Step::Domainname,
            Sysctl { .. } | SysctlName { .. } => Step::Sysctl,
            OomScoreAdj { .. } => Step::OomScoreAdj,
            RlimitName { .. } | Rlimit { .. } => Step::Rlimit,
            MakeCwd { .. } | Chdir { .. } | CwdOutsideRoot { .. } => Step::Cwd,
            User { .. } => Step::User,
            Capabilities { .. } => Step::Capabilities,
            NoNewPrivileges { .. } => Step::NoNewPrivileges,
            NotFound { .. } | NotExecutable { .. } | NoArgs => Step::Executable,
        }
    }

    fn errno(&self) -> Option<Errno> {
        use ProcessError::*;
        match self {
            Hostname { errno, .. }
            | Domainname { errno, .. }
            | Sysctl { errno, .. }
            | OomScoreAdj { errno, .. }
            | Rlimit { errno, .. }
            | MakeCwd { errno, .. }
            | Chdir { errno, .. }
            | User { errno, .. }
            | Capabilities { errno, .. }
            | NoNewPrivileges { errno }
            | NotExecutable { errno, .. } => Some(*errno),
            SysctlName { .. } | RlimitName { .. } | CwdOutsideRoot { .. } | NotFound { .. } | NoArgs => None,
        }
    }
}

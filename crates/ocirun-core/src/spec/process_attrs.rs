//! process.scheduler, process.ioPriority and process.execCPUAffinity.

use serde::{Deserialize, Serialize};

/// The policies of process.scheduler.policy, as the spec names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum SchedPolicy {
    #[serde(rename = "SCHED_OTHER")]
    Other,
    #[serde(rename = "SCHED_FIFO")]
    Fifo,
    #[serde(rename = "SCHED_RR")]
    Rr,
    #[serde(rename = "SCHED_BATCH")]
    Batch,
    #[serde(rename = "SCHED_ISO")]
    Iso,
    #[serde(rename = "SCHED_IDLE")]
    Idle,
    #[serde(rename = "SCHED_DEADLINE")]
    Deadline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum SchedFlag {
    #[serde(rename = "SCHED_FLAG_RESET_ON_FORK")]
    ResetOnFork,
    #[serde(rename = "SCHED_FLAG_RECLAIM")]
    Reclaim,
    #[serde(rename = "SCHED_FLAG_DL_OVERRUN")]
    DlOverrun,
    #[serde(rename = "SCHED_FLAG_KEEP_POLICY")]
    KeepPolicy,
    #[serde(rename = "SCHED_FLAG_KEEP_PARAMS")]
    KeepParams,
    #[serde(rename = "SCHED_FLAG_UTIL_CLAMP_MIN")]
    UtilClampMin,
    #[serde(rename = "SCHED_FLAG_UTIL_CLAMP_MAX")]
    UtilClampMax,
}

/// process.scheduler: the spec says a missing number means 0.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Scheduler {
    pub policy: SchedPolicy,
    #[serde(default)]
    pub nice: i32,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub flags: Vec<SchedFlag>,
    #[serde(default)]
    pub runtime: u64,
    #[serde(default)]
    pub deadline: u64,
    #[serde(default)]
    pub period: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum IoPriorityClass {
    #[serde(rename = "IOPRIO_CLASS_RT")]
    Rt,
    #[serde(rename = "IOPRIO_CLASS_BE")]
    Be,
    #[serde(rename = "IOPRIO_CLASS_IDLE")]
    Idle,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
pub struct IoPriority {
    pub class: IoPriorityClass,
    pub priority: i32,
}

/// CPU lists ("0-3,7") for processes executed in the container (not its init).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ExecCpuAffinity {
    #[serde(default)]
    pub initial: Option<String>,
    #[serde(default, rename = "final")]
    pub final_: Option<String>,
}

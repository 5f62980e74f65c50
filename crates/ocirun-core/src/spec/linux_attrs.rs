//! linux.personality, linux.memoryPolicy, linux.timeOffsets and linux.netDevices.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum PersonalityDomain {
    #[serde(rename = "LINUX")]
    Linux,
    #[serde(rename = "LINUX32")]
    Linux32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Personality {
    pub domain: PersonalityDomain,
    /// The spec defines no flag yet; they are refused with a warning, as runc does.
    #[serde(default)]
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum MemoryPolicyMode {
    #[serde(rename = "MPOL_DEFAULT")]
    Default,
    #[serde(rename = "MPOL_PREFERRED")]
    Preferred,
    #[serde(rename = "MPOL_BIND")]
    Bind,
    #[serde(rename = "MPOL_INTERLEAVE")]
    Interleave,
    #[serde(rename = "MPOL_LOCAL")]
    Local,
    #[serde(rename = "MPOL_PREFERRED_MANY")]
    PreferredMany,
    #[serde(rename = "MPOL_WEIGHTED_INTERLEAVE")]
    WeightedInterleave,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum MemoryPolicyFlag {
    #[serde(rename = "MPOL_F_NUMA_BALANCING")]
    NumaBalancing,
    #[serde(rename = "MPOL_F_RELATIVE_NODES")]
    RelativeNodes,
    #[serde(rename = "MPOL_F_STATIC_NODES")]
    StaticNodes,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MemoryPolicy {
    pub mode: MemoryPolicyMode,
    #[serde(default)]
    pub nodes: Option<String>,
    #[serde(default)]
    pub flags: Vec<MemoryPolicyFlag>,
}

/// One clock's offset in a new time namespace.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize)]
pub struct TimeOffset {
    #[serde(default)]
    pub secs: i64,
    #[serde(default)]
    pub nanosecs: u32,
}

/// A host network interface to move into the container's network namespace.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct NetDevice {
    /// Its name inside the container; the host name when absent.
    #[serde(default)]
    pub name: Option<String>,
}

//! `linux.resources`: the cgroup limits of a container (and the body of `ocirun update`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids: Option<Pids>,
    #[serde(default, rename = "blockIO", skip_serializing_if = "Option::is_none")]
    pub block_io: Option<BlockIo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hugepage_limits: Vec<HugepageLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rdma: BTreeMap<String, Rdma>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unified: BTreeMap<String, String>,
}

/// A device cgroup rule: `allow` or deny `access` (r, w, m) to devices of `type` (a, b, c)
/// with `major`:`minor` (absent means any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct DeviceRule {
    pub allow: bool,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Memory {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation: Option<i64>,
    /// Memory plus swap (the v1 memsw meaning), -1 for unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<i64>,
    #[serde(default, rename = "kernelTCP", skip_serializing_if = "Option::is_none")]
    pub kernel_tcp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swappiness: Option<u64>,
    #[serde(default, rename = "disableOOMKiller", skip_serializing_if = "Option::is_none")]
    pub disable_oom_killer: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_hierarchy: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_before_update: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cpu {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realtime_runtime: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realtime_period: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mems: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Pids {
    pub limit: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockIo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_weight: Option<u16>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weight_device: Vec<WeightDevice>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub throttle_read_bps_device: Vec<ThrottleDevice>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub throttle_write_bps_device: Vec<ThrottleDevice>,
    #[serde(default, rename = "throttleReadIOPSDevice", skip_serializing_if = "Vec::is_empty")]
    pub throttle_read_iops_device: Vec<ThrottleDevice>,
    #[serde(default, rename = "throttleWriteIOPSDevice", skip_serializing_if = "Vec::is_empty")]
    pub throttle_write_iops_device: Vec<ThrottleDevice>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightDevice {
    pub major: i64,
    pub minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_weight: Option<u16>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ThrottleDevice {
    pub major: i64,
    pub minor: i64,
    pub rate: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HugepageLimit {
    pub page_size: String,
    pub limit: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    #[serde(default, rename = "classID", skip_serializing_if = "Option::is_none")]
    pub class_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priorities: Vec<InterfacePriority>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct InterfacePriority {
    pub name: String,
    pub priority: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rdma {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hca_handles: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hca_objects: Option<u32>,
}

impl Resources {
    /// Lays `update` over these resources: every field `update` sets replaces this one's,
    /// the rest stays (the semantics of `runc update`).
    pub fn merged(&self, update: &Resources) -> Resources {
        fn pick<T: Clone>(new: &Option<T>, old: &Option<T>) -> Option<T> {
            new.clone().or_else(|| old.clone())
        }
        let mut out = self.clone();
        if let Some(m) = &update.memory {
            let old = self.memory.clone().unwrap_or_default();
            out.memory = Some(Memory {
                limit: pick(&m.limit, &old.limit),
                reservation: pick(&m.reservation, &old.reservation),
                swap: pick(&m.swap, &old.swap),
                kernel: pick(&m.kernel, &old.kernel),
                kernel_tcp: pick(&m.kernel_tcp, &old.kernel_tcp),
                swappiness: pick(&m.swappiness, &old.swappiness),
                disable_oom_killer: pick(&m.disable_oom_killer, &old.disable_oom_killer),
                use_hierarchy: pick(&m.use_hierarchy, &old.use_hierarchy),
                check_before_update: pick(&m.check_before_update, &old.check_before_update),
            });
        }
        if let Some(c) = &update.cpu {
            let old = self.cpu.clone().unwrap_or_default();
            out.cpu = Some(Cpu {
                shares: pick(&c.shares, &old.shares),
                quota: pick(&c.quota, &old.quota),
                burst: pick(&c.burst, &old.burst),
                period: pick(&c.period, &old.period),
                realtime_runtime: pick(&c.realtime_runtime, &old.realtime_runtime),
                realtime_period: pick(&c.realtime_period, &old.realtime_period),
                cpus: pick(&c.cpus, &old.cpus),
                mems: pick(&c.mems, &old.mems),
                idle: pick(&c.idle, &old.idle),
            });
        }
        if update.pids.is_some() {
            out.pids = update.pids.clone();
        }
        if let Some(b) = &update.block_io {
            let old = self.block_io.clone().unwrap_or_default();
            let list = |new: &Vec<ThrottleDevice>, old: &Vec<ThrottleDevice>| {
                if new.is_empty() {
                    old.clone()
                } else {
                    new.clone()
                }
            };
            out.block_io = Some(BlockIo {
                weight: pick(&b.weight, &old.weight),
                leaf_weight: pick(&b.leaf_weight, &old.leaf_weight),
                weight_device: if b.weight_device.is_empty() {
                    old.weight_device.clone()
                } else {
                    b.weight_device.clone()
                },
                throttle_read_bps_device: list(&b.throttle_read_bps_device, &old.throttle_read_bps_device),
                throttle_write_bps_device: list(&b.throttle_write_bps_device, &old.throttle_write_bps_device),
                throttle_read_iops_device: list(&b.throttle_read_iops_device, &old.throttle_read_iops_device),
                throttle_write_iops_device: list(&b.throttle_write_iops_device, &old.throttle_write_iops_device),
            });
        }
        if !update.hugepage_limits.is_empty() {
            out.hugepage_limits = update.hugepage_limits.clone();
        }
        if update.network.is_some() {
            out.network = update.network.clone();
        }
        if !update.rdma.is_empty() {
            out.rdma = update.rdma.clone();
        }
        if !update.unified.is_empty() {
            out.unified.extend(update.unified.clone());
        }
        if !update.devices.is_empty() {
            out.devices = update.devices.clone();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_replaces_only_the_fields_it_sets() {
        let base: Resources =
            serde_json::from_str(r#"{"memory":{"limit":100,"swap":200},"cpu":{"shares":512},"pids":{"limit":10}}"#)
                .expect("json");
        let update: Resources = serde_json::from_str(r#"{"memory":{"limit":150},"cpu":{"quota":5000}}"#).expect("json");
        let m = base.merged(&update);
        assert_eq!(m.memory.as_ref().and_then(|m| m.limit), Some(150));
        assert_eq!(m.memory.as_ref().and_then(|m| m.swap), Some(200));
        assert_eq!(m.cpu.as_ref().and_then(|c| c.shares), Some(512));
        assert_eq!(m.cpu.as_ref().and_then(|c| c.quota), Some(5000));
        assert_eq!(m.pids.map(|p| p.limit), Some(10));
    }

    #[test]
    fn field_names_follow_the_spec() {
        let r: Resources = serde_json::from_str(
            r#"{"blockIO":{"weight":500,"throttleReadIOPSDevice":[{"major":8,"minor":0,"rate":10}]},
                "memory":{"disableOOMKiller":true,"kernelTCP":1},"network":{"classID":7}}"#,
        )
        .expect("json");
        assert_eq!(r.block_io.as_ref().map(|b| b.throttle_read_iops_device.len()), Some(1));
        assert_eq!(r.memory.as_ref().and_then(|m| m.disable_oom_killer), Some(true));
        assert_eq!(r.network.and_then(|n| n.class_id), Some(7));
    }
}

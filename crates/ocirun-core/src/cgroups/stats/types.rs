//! The stats document `runc events --stats` prints, field for field.
//
// Field order, JSON names and which zero values are left out follow runc's types.Stats, because
// tools that parse runc's output (containerd's runc shim among them) read ours too. Go's
// `omitempty` drops zero numbers, empty strings, empty slices and empty maps, never structs;
// each `skip_serializing_if` below stands for one such tag.

use std::collections::BTreeMap;

pub(crate) fn is_zero(v: &u64) -> bool {
    *v == 0
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub cpu: Cpu,
    pub cpuset: CpuSet,
    pub memory: Memory,
    pub pids: Pids,
    pub blkio: Blkio,
    /// Keyed by page size as the kernel names it in file names ("2MB", "1GB").
    pub hugetlb: BTreeMap<String, Hugetlb>,
    pub intel_rdt: IntelRdt,
    /// runc prints null here unless a network namespace was set up by a hook it knows of.
    pub network_interfaces: Option<Vec<NetworkInterface>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Cpu {
    pub usage: CpuUsage,
    pub throttling: Throttling,
}

/// CPU time consumed, in nanoseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CpuUsage {
    #[serde(skip_serializing_if = "is_zero")]
    pub total: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub percpu: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub percpu_kernel: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub percpu_user: Vec<u64>,
    pub kernel: u64,
    pub user: u64,
}

/// CFS bandwidth throttling; unlike the rest of the document runc spells these in camelCase.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Throttling {
    #[serde(skip_serializing_if = "is_zero")]
    pub periods: u64,
    #[serde(rename = "throttledPeriods", skip_serializing_if = "is_zero")]
    pub throttled_periods: u64,
    /// Nanoseconds.
    #[serde(rename = "throttledTime", skip_serializing_if = "is_zero")]
    pub throttled_time: u64,
}

/// The v1 cpuset settings; cgroup v2 reports none of them, and runc then prints the zeros.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CpuSet {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cpus: Vec<u16>,
    pub cpu_exclusive: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mems: Vec<u16>,
    pub mem_hardwall: u64,
    pub mem_exclusive: u64,
    pub memory_migrate: u64,
    pub memory_spread_page: u64,
    pub memory_spread_slab: u64,
    pub memory_pressure: u64,
    pub sched_load_balance: u64,
    pub sched_relax_domain_level: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Memory {
    #[serde(skip_serializing_if = "is_zero")]
    pub cache: u64,
    pub usage: MemoryEntry,
    /// Memory plus swap, as v1's memory.memsw.* counts it (v2 numbers are converted to match).
    pub swap: MemoryEntry,
    pub kernel: MemoryEntry,
    #[serde(rename = "kernelTCP")]
    pub kernel_tcp: MemoryEntry,
    /// memory.stat as the kernel wrote it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub raw: BTreeMap<String, u64>,
}

/// Bytes; `max` is the peak usage, `limit` the configured limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MemoryEntry {
    pub limit: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub usage: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub max: u64,
    pub failcnt: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pids {
    #[serde(skip_serializing_if = "is_zero")]
    pub current: u64,
    /// 0 when unlimited.
    #[serde(skip_serializing_if = "is_zero")]
    pub limit: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Blkio {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub io_service_bytes_recursive: Vec<BlkioEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub io_serviced_recursive: Vec<BlkioEntry>,
    /// runc's JSON name drops the "d" of "queued".
    #[serde(rename = "ioQueueRecursive", skip_serializing_if = "Vec::is_empty")]
    pub io_queued_recursive: Vec<BlkioEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub io_service_time_recursive: Vec<BlkioEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub io_wait_time_recursive: Vec<BlkioEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub io_merged_recursive: Vec<BlkioEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub io_time_recursive: Vec<BlkioEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sectors_recursive: Vec<BlkioEntry>,
}

/// One device's counter; `op` is "Read", "Write", "Sync", "Async", "Discard" or "Total", or
/// empty for files with one number per device.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BlkioEntry {
    #[serde(skip_serializing_if = "is_zero")]
    pub major: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub minor: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub op: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub value: u64,
}

/// Bytes of huge pages of one size.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Hugetlb {
    #[serde(skip_serializing_if = "is_zero")]
    pub usage: u64,
    /// Peak usage (cgroup v1 only).
    #[serde(skip_serializing_if = "is_zero")]
    pub max: u64,
    pub failcnt: u64,
}

/// Intel RDT (resctrl) is not supported; runc prints `{}` when it is not in use.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IntelRdt {}

/// runc's Go field names, which carry no JSON tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInterface {
    pub name: String,
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub rx_errors: u64,
    pub rx_dropped: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
    pub tx_dropped: u64,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn empty_stats_serialize_like_runc_for_a_container_without_data() {
        let v = serde_json::to_value(Stats::default()).unwrap();
        assert_eq!(
            v,
            json!({
                "cpu": {"usage": {"kernel": 0, "user": 0}, "throttling": {}},
                "cpuset": {
                    "cpu_exclusive": 0, "mem_hardwall": 0, "mem_exclusive": 0, "memory_migrate": 0,
                    "memory_spread_page": 0, "memory_spread_slab": 0, "memory_pressure": 0,
                    "sched_load_balance": 0, "sched_relax_domain_level": 0
                },
                "memory": {
                    "usage": {"limit": 0, "failcnt": 0},
                    "swap": {"limit": 0, "failcnt": 0},
                    "kernel": {"limit": 0, "failcnt": 0},
                    "kernelTCP": {"limit": 0, "failcnt": 0}
                },
                "pids": {},
                "blkio": {},
                "hugetlb": {},
                "intel_rdt": {},
                "network_interfaces": null
            })
        );
    }

    #[test]
    fn top_level_keys_keep_runcs_order() {
        let text = serde_json::to_string(&Stats::default()).unwrap();
        let keys = ["\"cpu\"", "\"cpuset\"", "\"memory\"", "\"pids\"", "\"blkio\"", "\"hugetlb\"", "\"intel_rdt\""];
        let positions: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    }

    #[test]
    fn zero_fields_of_entries_are_left_out_but_limit_and_failcnt_stay() {
        let entry = BlkioEntry { major: 8, minor: 0, op: "Read".into(), value: 0 };
        assert_eq!(serde_json::to_value(entry).unwrap(), json!({"major": 8, "op": "Read"}));
        let huge = Hugetlb { usage: 0, max: 0, failcnt: 0 };
        assert_eq!(serde_json::to_value(huge).unwrap(), json!({"failcnt": 0}));
        let mem = MemoryEntry { limit: 5, usage: 0, max: 7, failcnt: 0 };
        assert_eq!(serde_json::to_value(mem).unwrap(), json!({"limit": 5, "max": 7, "failcnt": 0}));
    }

    #[test]
    fn throttling_and_blkio_use_runcs_camel_case_names() {
        let t = Throttling { periods: 1, throttled_periods: 2, throttled_time: 3 };
        assert_eq!(serde_json::to_value(t).unwrap(), json!({"periods": 1, "throttledPeriods": 2, "throttledTime": 3}));
        let e = || vec![BlkioEntry { major: 1, minor: 2, op: String::new(), value: 3 }];
        let b = Blkio {
            io_service_bytes_recursive: e(),
            io_serviced_recursive: e(),
            io_queued_recursive: e(),
            io_service_time_recursive: e(),
            io_wait_time_recursive: e(),
            io_merged_recursive: e(),
            io_time_recursive: e(),
            sectors_recursive: e(),
        };
        let v = serde_json::to_value(b).unwrap();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "ioMergedRecursive",
                "ioQueueRecursive",
                "ioServiceBytesRecursive",
                "ioServiceTimeRecursive",
                "ioServicedRecursive",
                "ioTimeRecursive",
                "ioWaitTimeRecursive",
                "sectorsRecursive"
            ]
        );
        assert_eq!(v["sectorsRecursive"], json!([{"major": 1, "minor": 2, "value": 3}]));
    }

    #[test]
    fn network_interfaces_use_go_field_names() {
        let s = Stats {
            network_interfaces: Some(vec![NetworkInterface { name: "eth0".into(), rx_bytes: 1, ..Default::default() }]),
            ..Default::default()
        };
        let v = serde_json::to_value(s).unwrap();
        assert_eq!(v["network_interfaces"][0]["Name"], "eth0");
        assert_eq!(v["network_interfaces"][0]["RxBytes"], 1);
        assert_eq!(v["network_interfaces"][0]["TxDropped"], 0);
    }
}

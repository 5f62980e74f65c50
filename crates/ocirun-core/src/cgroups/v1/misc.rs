//! The smaller v1 controllers: pids, devices, hugetlb, net_prio, rdma.

use std::collections::BTreeMap;
use std::path::Path;

use super::super::devices::Rule;
use super::super::error::Result;
use super::super::file;
use crate::spec::{HugepageLimit, InterfacePriority, Pids, Rdma};

/// A limit of 0 or below means no limit, as in runc.
pub fn set_pids(dir: &Path, p: &Pids) -> Result<()> {
    let value = if p.limit > 0 { p.limit.to_string() } else { "max".to_string() };
    file::write(dir, "pids.max", value)
}

/// The rules in order, each to devices.allow or devices.deny; the first denies everything.
pub fn set_devices(dir: &Path, rules: &[Rule]) -> Result<()> {
    for r in rules {
        file::write(dir, if r.allow { "devices.allow" } else { "devices.deny" }, r.v1_line())?;
    }
    Ok(())
}

pub fn set_hugetlb(dir: &Path, limits: &[HugepageLimit]) -> Result<()> {
    for l in limits {
        file::write(dir, &format!("hugetlb.{}.limit_in_bytes", l.page_size), l.limit.to_string())?;
    }
    Ok(())
}

pub fn set_net_prio(dir: &Path, priorities: &[InterfacePriority]) -> Result<()> {
    for p in priorities {
        file::write(dir, "net_prio.ifpriomap", format!("{} {}", p.name, p.priority))?;
    }
    Ok(())
}

/// "mlx5_1 hca_handle=3 hca_object=10000", one device per write.
pub fn rdma_line(device: &str, r: &Rdma) -> String {
    let mut line = device.to_string();
    if let Some(h) = r.hca_handles {
        line.push_str(&format!(" hca_handle={h}"));
    }
    if let Some(o) = r.hca_objects {
        line.push_str(&format!(" hca_object={o}"));
    }
    line
}

pub fn set_rdma(dir: &Path, rdma: &BTreeMap<String, Rdma>) -> Result<()> {
    for (device, r) in rdma {
        file::write(dir, "rdma.max", rdma_line(device, r))?;
    }
    Ok(())
}

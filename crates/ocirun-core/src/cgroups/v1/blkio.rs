//! The v1 blkio controller.

use std::path::Path;

use super::super::error::Result;
use super::super::file;
use crate::spec::{BlockIo, ThrottleDevice};

/// The weight files: blkio.weight with CFQ; blkio.bfq.weight with BFQ (kernels without CFQ).
fn weight_file(dir: &Path, name: &str) -> String {
    let cfq = format!("blkio.{name}");
    if file::exists(dir, &cfq) {
        cfq
    } else {
        format!("blkio.bfq.{name}")
    }
}

fn throttle(dir: &Path, name: &str, list: &[ThrottleDevice]) -> Result<()> {
    for d in list {
        file::write(dir, name, format!("{}:{} {}", d.major, d.minor, d.rate))?;
    }
    Ok(())
}

pub fn set(dir: &Path, b: &BlockIo) -> Result<()> {
    if let Some(w) = b.weight.filter(|w| *w != 0) {
        file::write(dir, &weight_file(dir, "weight"), w.to_string())?;
    }
    if let Some(w) = b.leaf_weight.filter(|w| *w != 0) {
        file::write(dir, &weight_file(dir, "leaf_weight"), w.to_string())?;
    }
    for d in &b.weight_device {
        if let Some(w) = d.weight {
            file::write(dir, &weight_file(dir, "weight_device"), format!("{}:{} {}", d.major, d.minor, w))?;
        }
        if let Some(w) = d.leaf_weight {
            file::write(dir, &weight_file(dir, "leaf_weight_device"), format!("{}:{} {}", d.major, d.minor, w))?;
        }
    }
    throttle(dir, "blkio.throttle.read_bps_device", &b.throttle_read_bps_device)?;
    throttle(dir, "blkio.throttle.write_bps_device", &b.throttle_write_bps_device)?;
    throttle(dir, "blkio.throttle.read_iops_device", &b.throttle_read_iops_device)?;
    throttle(dir, "blkio.throttle.write_iops_device", &b.throttle_write_iops_device)
}

//! cgroup.freeze: pause and resume on cgroup v2.

use std::path::Path;
use std::time::{Duration, Instant};

use super::super::error::{CgroupError, Result};
use super::super::file;

/// Whether cgroup.events says the cgroup is frozen.
pub fn is_frozen(dir: &Path) -> Result<bool> {
    Ok(file::read(dir, "cgroup.events")?.lines().any(|l| l.trim() == "frozen 1"))
}

/// Writes cgroup.freeze and waits until cgroup.events reports the result.
pub fn freeze(dir: &Path, frozen: bool) -> Result<()> {
    file::write(dir, "cgroup.freeze", if frozen { "1" } else { "0" })?;
    let start = Instant::now();
    let limit = Duration::from_secs(10);
    while is_frozen(dir)? != frozen {
        if start.elapsed() > limit {
            let state = if frozen { "thawed" } else { "frozen" };
            return Err(CgroupError::FreezeTimeout {
                path: dir.join("cgroup.events"),
                state: state.into(),
                waited_ms: limit.as_millis() as u64,
            });
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

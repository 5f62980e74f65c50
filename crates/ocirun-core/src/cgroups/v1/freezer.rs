//! The v1 freezer: pause and resume.

use std::path::Path;
use std::time::{Duration, Instant};

use super::super::error::{CgroupError, Result};
use super::super::file;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreezerState {
    Thawed,
    Freezing,
    Frozen,
}

pub fn state(dir: &Path) -> Result<FreezerState> {
    Ok(match file::read(dir, "freezer.state")?.trim() {
        "FROZEN" => FreezerState::Frozen,
        "FREEZING" => FreezerState::Freezing,
        _ => FreezerState::Thawed,
    })
}

/// Freezes (or thaws) and waits until the kernel reports it done. Freezing can stall on a
/// task in an uninterruptible sleep; runc retries the write while it waits, and so does this.
pub fn freeze(dir: &Path, frozen: bool) -> Result<()> {
    let (word, want) = if frozen { ("FROZEN", FreezerState::Frozen) } else { ("THAWED", FreezerState::Thawed) };
    let start = Instant::now();
    let limit = Duration::from_secs(10);
    loop {
        file::write(dir, "freezer.state", word)?;
        let now = state(dir)?;
        if now == want {
            return Ok(());
        }
        if start.elapsed() > limit {
            return Err(CgroupError::FreezeTimeout {
                path: dir.join("freezer.state"),
                state: format!("{now:?}"),
                waited_ms: limit.as_millis() as u64,
            });
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

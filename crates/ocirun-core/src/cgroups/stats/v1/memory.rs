//! The v1 memory hierarchy: memory.*, memory.memsw.*, memory.kmem.* and memory.kmem.tcp.*.

use std::path::Path;

use super::super::parse;
use super::super::types::{Memory, MemoryEntry};
use crate::cgroups::error::Result;

pub(super) fn read(dir: &Path, into: &mut Memory) -> Result<()> {
    // runc reads nothing from a memory hierarchy without memory.stat, so neither do we: the
    // directory is then not a memory cgroup (or it is gone).
    let Some(raw) = parse::flat_keyed(dir, "memory.stat")? else { return Ok(()) };
    into.cache = raw.get("cache").or_else(|| raw.get("total_cache")).copied().unwrap_or(0);
    into.raw = raw;
    let entries: [(&str, &mut MemoryEntry); 4] = [
        ("memory", &mut into.usage),
        ("memory.memsw", &mut into.swap),
        ("memory.kmem", &mut into.kernel),
        ("memory.kmem.tcp", &mut into.kernel_tcp),
    ];
    for (prefix, field) in entries {
        if let Some(entry) = entry(dir, prefix)? {
            *field = entry;
        }
    }
    Ok(())
}

/// One `<prefix>.{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes}` family; None when
/// the kernel lacks it (memsw without swap accounting, kmem on kernels that dropped it).
fn entry(dir: &Path, prefix: &str) -> Result<Option<MemoryEntry>> {
    let Some(usage) = parse::number(dir, &format!("{prefix}.usage_in_bytes"))? else { return Ok(None) };
    let get = |suffix: &str| -> Result<u64> { Ok(parse::number(dir, &format!("{prefix}.{suffix}"))?.unwrap_or(0)) };
    Ok(Some(MemoryEntry {
        usage,
        max: get("max_usage_in_bytes")?,
        failcnt: get("failcnt")?,
        limit: get("limit_in_bytes")?,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::parse::tests::Fixture;
    use super::*;

    const UNLIMITED: &str = "9223372036854771712\n";

    fn fixture(with_swap: bool) -> Fixture {
        let mut files = vec![
            ("memory.stat", "cache 12288\nrss 53248\ntotal_cache 12288\ntotal_rss 53248\n"),
            ("memory.usage_in_bytes", "753664\n"),
            ("memory.max_usage_in_bytes", "2514944\n"),
            ("memory.limit_in_bytes", UNLIMITED),
            ("memory.failcnt", "0\n"),
            ("memory.kmem.usage_in_bytes", "540672\n"),
            ("memory.kmem.max_usage_in_bytes", "610304\n"),
            ("memory.kmem.limit_in_bytes", UNLIMITED),
            ("memory.kmem.failcnt", "0\n"),
            ("memory.kmem.tcp.usage_in_bytes", "0\n"),
            ("memory.kmem.tcp.max_usage_in_bytes", "0\n"),
            ("memory.kmem.tcp.limit_in_bytes", UNLIMITED),
            ("memory.kmem.tcp.failcnt", "0\n"),
        ];
        if with_swap {
            files.extend([
                ("memory.memsw.usage_in_bytes", "753664\n"),
                ("memory.memsw.max_usage_in_bytes", "2514944\n"),
                ("memory.memsw.limit_in_bytes", "16777216\n"),
                ("memory.memsw.failcnt", "3\n"),
            ]);
        }
        Fixture::new("memory", &files)
    }

    #[test]
    fn memory_entries_come_from_their_file_families() {
        let f = fixture(true);
        let mut m = Memory::default();
        read(&f.0, &mut m).unwrap();
        assert_eq!(m.cache, 12288);
        assert_eq!(m.raw.get("total_rss"), Some(&53248));
        assert_eq!(m.usage, MemoryEntry { limit: 9223372036854771712, usage: 753664, max: 2514944, failcnt: 0 });
        assert_eq!(m.swap, MemoryEntry { limit: 16777216, usage: 753664, max: 2514944, failcnt: 3 });
        assert_eq!(m.kernel.usage, 540672);
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["kernelTCP"], json!({"limit": 9223372036854771712u64, "failcnt": 0}));
        assert_eq!(v["usage"], json!({"limit": 9223372036854771712u64, "usage": 753664, "max": 2514944, "failcnt": 0}));
    }

    #[test]
    fn a_kernel_without_swap_accounting_leaves_the_swap_entry_empty() {
        let f = fixture(false);
        let mut m = Memory::default();
        read(&f.0, &mut m).unwrap();
        assert_eq!(m.swap, MemoryEntry::default());
        assert_eq!(m.usage.usage, 753664);
    }

    #[test]
    fn a_directory_without_memory_stat_reports_nothing() {
        let f = Fixture::new("memory-none", &[("memory.usage_in_bytes", "1\n")]);
        let mut m = Memory::default();
        read(&f.0, &mut m).unwrap();
        assert_eq!(m, Memory::default());
    }
}

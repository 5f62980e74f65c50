//! Reading the file formats cgroup stats come in: single numbers, "key value" lines, CPU lists
//! and per-device counters.
//
// A file that does not exist is not an error: the hierarchy may be missing, the kernel may be
// built without the feature (swap accounting, kmem), or the cgroup may go away while it is read.
// Content that does not parse is an error naming the file, since it means the format changed.

use std::collections::BTreeMap;
use std::path::Path;

use super::types::BlkioEntry;
use crate::cgroups::error::{CgroupError, Result};
use crate::cgroups::file;

pub(super) fn malformed(dir: &Path, name: &str, content: &str) -> CgroupError {
    CgroupError::Parse { path: dir.join(name), content: content.to_string() }
}

/// The content of `dir/name`, or None when it does not exist.
pub(super) fn optional(dir: &Path, name: &str) -> Result<Option<String>> {
    file::read_optional(dir, name)
}

/// A file holding one number; "max" (no limit) reads as u64::MAX.
pub(super) fn number(dir: &Path, name: &str) -> Result<Option<u64>> {
    let Some(text) = optional(dir, name)? else { return Ok(None) };
    file::parse_u64(text.trim()).map(Some).ok_or_else(|| malformed(dir, name, text.trim()))
}

/// A file holding one signed number (cpuset.sched_relax_domain_level is -1 by default).
pub(super) fn signed(dir: &Path, name: &str) -> Result<Option<i64>> {
    let Some(text) = optional(dir, name)? else { return Ok(None) };
    text.trim().parse().map(Some).map_err(|_| malformed(dir, name, text.trim()))
}

/// A "flat keyed" file: one "key value" pair per line (memory.stat, cpu.stat, memory.events).
pub(super) fn flat_keyed(dir: &Path, name: &str) -> Result<Option<BTreeMap<String, u64>>> {
    let Some(text) = optional(dir, name)? else { return Ok(None) };
    let mut map = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split_whitespace();
        let (Some(key), Some(value), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(malformed(dir, name, line));
        };
        let value = value.parse().map_err(|_| malformed(dir, name, line))?;
        map.insert(key.to_string(), value);
    }
    Ok(Some(map))
}

/// Numbers separated by blanks (cpuacct.usage_percpu, which ends with a space).
pub(super) fn numbers(dir: &Path, name: &str) -> Result<Option<Vec<u64>>> {
    let Some(text) = optional(dir, name)? else { return Ok(None) };
    text.split_whitespace().map(|n| n.parse().map_err(|_| malformed(dir, name, n))).collect::<Result<_>>().map(Some)
}

/// A CPU or memory node list ("0-3,8,10-11"), as in cpuset.cpus.
pub(super) fn id_list(dir: &Path, name: &str) -> Result<Option<Vec<u16>>> {
    let Some(text) = optional(dir, name)? else { return Ok(None) };
    parse_id_list(text.trim()).map(Some).ok_or_else(|| malformed(dir, name, text.trim()))
}

fn parse_id_list(text: &str) -> Option<Vec<u16>> {
    let mut ids = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((first, last)) => ids.extend(first.parse::<u16>().ok()?..=last.parse::<u16>().ok()?),
            None => ids.push(part.parse().ok()?),
        }
    }
    Some(ids)
}

/// A v1 blkio file: "MAJ:MIN OP VALUE" or "MAJ:MIN VALUE" lines, and a closing "Total VALUE"
/// summed over all devices, which runc leaves out.
pub(super) fn blkio_v1(dir: &Path, name: &str) -> Result<Option<Vec<BlkioEntry>>> {
    let Some(text) = optional(dir, name)? else { return Ok(None) };
    let mut entries = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let entry = match fields[..] {
            ["Total", _] => continue,
            [dev, value] => device_entry(dev, "", value),
            [dev, op, value] => device_entry(dev, op, value),
            _ => None,
        };
        entries.push(entry.ok_or_else(|| malformed(dir, name, line))?);
    }
    Ok(Some(entries))
}

fn device_entry(dev: &str, op: &str, value: &str) -> Option<BlkioEntry> {
    let (major, minor) = device(dev)?;
    Some(BlkioEntry { major, minor, op: op.to_string(), value: value.parse().ok()? })
}

/// "MAJ:MIN" as two numbers.
pub(super) fn device(dev: &str) -> Option<(u64, u64)> {
    let (major, minor) = dev.split_once(':')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Page sizes that have a `<prefix><size><suffix>` file in `dir` ("hugetlb.", ".current" →
/// "2MB"), sorted. Files of reserved pages ("hugetlb.2MB.rsvd.current") are not sizes.
pub(super) fn hugepage_sizes(dir: &Path, prefix: &str, suffix: &str) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(read_error(dir, &e)),
    };
    let mut sizes = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| read_error(dir, &e))?;
        let name = entry.file_name();
        let size = name.to_str().and_then(|n| n.strip_prefix(prefix)).and_then(|n| n.strip_suffix(suffix));
        if let Some(size) = size.filter(|s| !s.is_empty() && !s.contains('.')) {
            sizes.push(size.to_string());
        }
    }
    sizes.sort_unstable();
    Ok(sizes)
}

fn read_error(dir: &Path, e: &std::io::Error) -> CgroupError {
    let errno = crate::sys::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO));
    CgroupError::Read { path: dir.to_path_buf(), errno }
}

#[cfg(test)]
pub(super) mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A scratch directory filled with `files`, removed on drop.
    pub struct Fixture(pub PathBuf);

    impl Fixture {
        pub fn new(tag: &str, files: &[(&str, &str)]) -> Fixture {
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!("ocirun-stats-{tag}-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (name, content) in files {
                std::fs::write(dir.join(name), content).unwrap();
            }
            Fixture(dir)
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn missing_files_read_as_none() {
        let f = Fixture::new("missing", &[]);
        assert_eq!(number(&f.0, "pids.current").unwrap(), None);
        assert_eq!(flat_keyed(&f.0, "memory.stat").unwrap(), None);
        assert_eq!(blkio_v1(&f.0, "blkio.throttle.io_serviced_recursive").unwrap(), None);
        assert!(hugepage_sizes(&f.0.join("absent"), "hugetlb.", ".current").unwrap().is_empty());
    }

    #[test]
    fn number_reads_max_as_unlimited_and_rejects_garbage_naming_the_file() {
        let f = Fixture::new("number", &[("a", "max\n"), ("b", "12\n"), ("c", "twelve\n"), ("d", "-1\n")]);
        assert_eq!(number(&f.0, "a").unwrap(), Some(u64::MAX));
        assert_eq!(number(&f.0, "b").unwrap(), Some(12));
        let err = number(&f.0, "c").unwrap_err();
        assert!(matches!(&err, CgroupError::Parse { path, content } if path.ends_with("c") && content == "twelve"));
        assert_eq!(signed(&f.0, "d").unwrap(), Some(-1));
    }

    #[test]
    fn flat_keyed_reads_every_pair_and_rejects_lines_without_a_number() {
        let f = Fixture::new("flat", &[("ok", "user 12\nsystem 3\n"), ("bad", "user 12\nsystem\n")]);
        let map = flat_keyed(&f.0, "ok").unwrap().unwrap();
        assert_eq!(map.get("user"), Some(&12));
        assert_eq!(map.get("system"), Some(&3));
        assert!(matches!(flat_keyed(&f.0, "bad"), Err(CgroupError::Parse { .. })));
    }

    #[test]
    fn id_lists_expand_ranges() {
        assert_eq!(parse_id_list("0-3,8,10-11"), Some(vec![0, 1, 2, 3, 8, 10, 11]));
        assert_eq!(parse_id_list(""), Some(vec![]));
        assert_eq!(parse_id_list("0-x"), None);
    }

    #[test]
    fn blkio_v1_skips_the_total_line_and_keeps_ops() {
        let text = "8:0 Read 4096\n8:0 Write 0\n8:0 Sync 4096\n253:1 Discard 1\nTotal 8193\n";
        let f = Fixture::new("blkio", &[("ops", text), ("plain", "8:16 77\n"), ("empty", "Total 0\n")]);
        let entries = blkio_v1(&f.0, "ops").unwrap().unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0], BlkioEntry { major: 8, minor: 0, op: "Read".into(), value: 4096 });
        assert_eq!(entries[3], BlkioEntry { major: 253, minor: 1, op: "Discard".into(), value: 1 });
        let plain = blkio_v1(&f.0, "plain").unwrap().unwrap();
        assert_eq!(plain, [BlkioEntry { major: 8, minor: 16, op: String::new(), value: 77 }]);
        assert_eq!(blkio_v1(&f.0, "empty").unwrap(), Some(vec![]));
    }

    #[test]
    fn hugepage_sizes_ignore_reserved_page_files() {
        let files = [
            ("hugetlb.2MB.current", "0"),
            ("hugetlb.1GB.current", "0"),
            ("hugetlb.2MB.rsvd.current", "0"),
            ("hugetlb.2MB.max", "max"),
        ];
        let f = Fixture::new("huge", &files);
        assert_eq!(hugepage_sizes(&f.0, "hugetlb.", ".current").unwrap(), ["1GB", "2MB"]);
    }
}

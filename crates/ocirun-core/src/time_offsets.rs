//! linux.timeOffsets: the clock offsets of a new time namespace. Stage 0 writes them after it
//! unshares the namespace and before the clone puts the container's init in it: the kernel
//! accepts them only while no process has entered the namespace.

use std::collections::BTreeMap;
use std::os::fd::AsFd;
use std::path::Path;

use crate::process::InvalidSetting;
use crate::spec::TimeOffset;
use crate::sys::{fs as sysfs, Errno};

/// The clocks a time namespace offsets, by the spec's (and the kernel's) names.
const CLOCKS: &[&str] = &["monotonic", "boottime"];

pub fn validate(offsets: &BTreeMap<String, TimeOffset>) -> Result<(), InvalidSetting> {
    for (clock, o) in offsets {
        let field = format!("linux.timeOffsets.{clock}");
        if !CLOCKS.contains(&clock.as_str()) {
            return Err(InvalidSetting::new(field, "only the monotonic and boottime clocks have offsets"));
        }
        if o.nanosecs >= 1_000_000_000 {
            return Err(InvalidSetting::new(format!("{field}.nanosecs"), "must be below one second (1000000000)"));
        }
    }
    Ok(())
}

/// What /proc/self/timens_offsets takes: one "CLOCK SECS NANOSECS" line per clock.
pub fn offsets_text(offsets: &BTreeMap<String, TimeOffset>) -> String {
    offsets.iter().map(|(clock, o)| format!("{clock} {} {}\n", o.secs, o.nanosecs)).collect()
}

/// Sets the offsets of the time namespace this process's children will be born in.
pub fn write(offsets: &BTreeMap<String, TimeOffset>) -> Result<(), Errno> {
    let fd = sysfs::openat(None, Path::new("/proc/self/timens_offsets"), libc::O_WRONLY, 0)?;
    sysfs::write_all(fd.as_fd(), offsets_text(offsets).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(entries: &[(&str, i64, u32)]) -> BTreeMap<String, TimeOffset> {
        entries.iter().map(|(c, s, n)| (c.to_string(), TimeOffset { secs: *s, nanosecs: *n })).collect()
    }

    #[test]
    fn each_clock_is_one_line() {
        assert_eq!(
            offsets_text(&offsets(&[("monotonic", -5, 0), ("boottime", 86400, 250)])),
            "boottime 86400 250\nmonotonic -5 0\n"
        );
    }

    #[test]
    fn unknown_clocks_and_whole_seconds_of_nanoseconds_are_refused() {
        assert_eq!(validate(&offsets(&[("realtime", 1, 0)])).unwrap_err().field, "linux.timeOffsets.realtime");
        let e = validate(&offsets(&[("boottime", 1, 1_000_000_000)])).unwrap_err();
        assert_eq!(e.field, "linux.timeOffsets.boottime.nanosecs");
        assert_eq!(validate(&offsets(&[("boottime", 1, 999_999_999)])), Ok(()));
    }
}

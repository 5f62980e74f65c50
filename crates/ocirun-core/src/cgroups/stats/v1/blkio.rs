//! The v1 blkio hierarchy.
//
// Which files carry data depends on the I/O scheduler. As runc does, the first family whose
// first file lists at least one device is used: BFQ with its debug statistics, BFQ, CFQ (gone
// since Linux 5.0), then the throttling layer's counters, which count I/O under any scheduler.

use std::path::Path;

use super::super::parse;
use super::super::types::{Blkio, BlkioEntry};
use crate::cgroups::error::Result;

#[derive(Clone, Copy)]
enum Field {
    ServiceBytes,
    Serviced,
    Queued,
    ServiceTime,
    WaitTime,
    Merged,
    Time,
    Sectors,
}

fn slot(blkio: &mut Blkio, field: Field) -> &mut Vec<BlkioEntry> {
    match field {
        Field::ServiceBytes => &mut blkio.io_service_bytes_recursive,
        Field::Serviced => &mut blkio.io_serviced_recursive,
        Field::Queued => &mut blkio.io_queued_recursive,
        Field::ServiceTime => &mut blkio.io_service_time_recursive,
        Field::WaitTime => &mut blkio.io_wait_time_recursive,
        Field::Merged => &mut blkio.io_merged_recursive,
        Field::Time => &mut blkio.io_time_recursive,
        Field::Sectors => &mut blkio.sectors_recursive,
    }
}

/// File name infixes ("blkio.<infix><file>") of a scheduler's full statistics.
const FULL: [(&str, Field); 8] = [
    ("sectors_recursive", Field::Sectors),
    ("io_service_time_recursive", Field::ServiceTime),
    ("io_wait_time_recursive", Field::WaitTime),
    ("io_merged_recursive", Field::Merged),
    ("io_queued_recursive", Field::Queued),
    ("time_recursive", Field::Time),
    ("io_serviced_recursive", Field::Serviced),
    ("io_service_bytes_recursive", Field::ServiceBytes),
];
const COUNTS: [(&str, Field); 2] =
    [("io_serviced_recursive", Field::Serviced), ("io_service_bytes_recursive", Field::ServiceBytes)];
const COUNTS_LOCAL: [(&str, Field); 2] = [("io_serviced", Field::Serviced), ("io_service_bytes", Field::ServiceBytes)];

const FAMILIES: [(&str, &[(&str, Field)]); 5] =
    [("bfq.", &FULL), ("bfq.", &COUNTS), ("", &FULL), ("throttle.", &COUNTS), ("throttle.", &COUNTS_LOCAL)];

pub(super) fn read(dir: &Path, into: &mut Blkio) -> Result<()> {
    for (infix, files) in FAMILIES {
        let Some(((first, first_field), rest)) = files.split_first() else { continue };
        let entries = parse::blkio_v1(dir, &format!("blkio.{infix}{first}"))?.unwrap_or_default();
        if entries.is_empty() {
            continue;
        }
        *slot(into, *first_field) = entries;
        for (name, field) in rest {
            *slot(into, *field) = parse::blkio_v1(dir, &format!("blkio.{infix}{name}"))?.unwrap_or_default();
        }
        return Ok(());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::parse::tests::Fixture;
    use super::*;

    #[test]
    fn throttle_counters_are_used_when_the_scheduler_files_list_no_device() {
        let f = Fixture::new(
            "blkio-throttle",
            &[
                ("blkio.bfq.io_serviced_recursive", "Total 0\n"),
                ("blkio.bfq.io_service_bytes_recursive", "Total 0\n"),
                ("blkio.throttle.io_serviced_recursive", "254:0 Read 3\n254:0 Write 0\nTotal 3\n"),
                ("blkio.throttle.io_service_bytes_recursive", "254:0 Read 12288\n254:0 Write 0\nTotal 12288\n"),
            ],
        );
        let mut b = Blkio::default();
        read(&f.0, &mut b).unwrap();
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(
            v,
            json!({
                "ioServiceBytesRecursive": [
                    {"major": 254, "op": "Read", "value": 12288},
                    {"major": 254, "op": "Write"}
                ],
                "ioServicedRecursive": [
                    {"major": 254, "op": "Read", "value": 3},
                    {"major": 254, "op": "Write"}
                ]
            })
        );
    }

    #[test]
    fn bfq_counts_win_over_throttle_counters() {
        let f = Fixture::new(
            "blkio-bfq",
            &[
                ("blkio.bfq.io_serviced_recursive", "8:0 Read 1\nTotal 1\n"),
                ("blkio.bfq.io_service_bytes_recursive", "8:0 Read 4096\nTotal 4096\n"),
                ("blkio.throttle.io_serviced_recursive", "8:0 Read 9\nTotal 9\n"),
            ],
        );
        let mut b = Blkio::default();
        read(&f.0, &mut b).unwrap();
        assert_eq!(b.io_serviced_recursive[0].value, 1);
        assert_eq!(b.io_service_bytes_recursive[0].value, 4096);
        assert!(b.sectors_recursive.is_empty());
    }

    #[test]
    fn cfq_files_fill_every_list() {
        let files: Vec<(String, &str)> =
            FULL.iter().map(|(name, _)| (format!("blkio.{name}"), "8:0 Read 5\nTotal 5\n")).collect();
        let files: Vec<(&str, &str)> = files.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        let f = Fixture::new("blkio-cfq", &files);
        let mut b = Blkio::default();
        read(&f.0, &mut b).unwrap();
        assert_eq!(b.io_queued_recursive.len(), 1);
        assert_eq!(b.io_time_recursive.len(), 1);
        assert_eq!(b.sectors_recursive.len(), 1);
    }

    #[test]
    fn no_io_at_all_leaves_blkio_empty() {
        let f = Fixture::new("blkio-idle", &[("blkio.throttle.io_serviced_recursive", "Total 0\n")]);
        let mut b = Blkio::default();
        read(&f.0, &mut b).unwrap();
        assert_eq!(serde_json::to_value(&b).unwrap(), json!({}));
    }
}

//! pids.current and pids.max, which read the same under cgroup v1 and v2.

use std::path::Path;

use super::parse;
use super::types::Pids;
use crate::cgroups::error::Result;

pub(super) fn read(dir: &Path, into: &mut Pids) -> Result<()> {
    if let Some(current) = parse::number(dir, "pids.current")? {
        into.current = current;
    }
    // "max" (no limit) becomes 0, which the JSON then leaves out, as runc prints it.
    if let Some(limit) = parse::number(dir, "pids.max")? {
        into.limit = if limit == u64::MAX { 0 } else { limit };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::parse::tests::Fixture;
    use super::*;

    #[test]
    fn an_unlimited_pids_max_is_left_out_of_the_json() {
        let f = Fixture::new("pids-max", &[("pids.current", "1\n"), ("pids.max", "max\n")]);
        let mut p = Pids::default();
        read(&f.0, &mut p).unwrap();
        assert_eq!(serde_json::to_value(&p).unwrap(), json!({"current": 1}));
    }

    #[test]
    fn a_numeric_pids_max_is_the_limit() {
        let f = Fixture::new("pids-limit", &[("pids.current", "3\n"), ("pids.max", "100\n")]);
        let mut p = Pids::default();
        read(&f.0, &mut p).unwrap();
        assert_eq!(p, Pids { current: 3, limit: 100 });
    }
}

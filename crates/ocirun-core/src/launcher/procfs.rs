//! What /proc/PID/stat says about a process: its state, start time and name. The start time
//! tells a container's init from an unrelated process that reused its pid.

/// The fields of /proc/PID/stat that ocirun uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStat {
    pub comm: String,
    /// R, S, D, Z, T, ...
    pub state: char,
    /// Clock ticks after boot (field 22).
    pub start_time: u64,
}

/// Parses /proc/PID/stat. The name is in parentheses and may itself contain spaces and
/// parentheses, so the fields after it are counted from the last ')'.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
    let state = rest.first()?.chars().next()?;
    let start_time = rest.get(19)?.parse().ok()?;
    Some(ProcStat { comm, state, start_time })
}

/// The stat of a live (or zombie) process; None when there is no such process.
pub fn stat(pid: i32) -> Option<ProcStat> {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().and_then(|t| parse_stat(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_spaces_and_parens_does_not_shift_fields() {
        let line = "123 (a b) c) S 1 123 123 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1 1 1";
        let s = parse_stat(line).expect("parses");
        assert_eq!(s.comm, "a b) c");
        assert_eq!(s.state, 'S');
        assert_eq!(s.start_time, 98765);
    }

    #[test]
    fn this_process_has_a_stat() {
        let s = stat(std::process::id() as i32).expect("own stat");
        assert!(s.start_time > 0);
    }
}

//! process.rlimits.

use crate::spec::Rlimit;
use crate::sys::process;

use super::ProcessError;

/// Resource numbers from asm-generic/resource.h, by the names the spec uses.
const NAMES: &[&str] = &[
    "RLIMIT_CPU",
    "RLIMIT_FSIZE",
    "RLIMIT_DATA",
    "RLIMIT_STACK",
    "RLIMIT_CORE",
    "RLIMIT_RSS",
    "RLIMIT_NPROC",
    "RLIMIT_NOFILE",
    "RLIMIT_MEMLOCK",
    "RLIMIT_AS",
    "RLIMIT_LOCKS",
    "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",
    "RLIMIT_RTPRIO",
    "RLIMIT_RTTIME",
];

pub fn number(name: &str) -> Option<u32> {
    NAMES.iter().position(|n| *n == name).map(|i| i as u32)
}

pub fn apply(rlimits: &[Rlimit]) -> Result<(), ProcessError> {
    for r in rlimits {
        let n = number(&r.kind).ok_or_else(|| ProcessError::RlimitName { name: r.kind.clone() })?;
        process::setrlimit(n, r.soft, r.hard).map_err(|errno| ProcessError::Rlimit {
            name: r.kind.clone(),
            soft: r.soft,
            hard: r.hard,
            errno,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_kernel_numbers() {
        assert_eq!(number("RLIMIT_NOFILE"), Some(7));
        assert_eq!(number("RLIMIT_RTTIME"), Some(15));
        assert_eq!(number("RLIMIT_BOGUS"), None);
    }
}

//! linux.personality: the execution domain the program runs in (LINUX32 makes uname report a
//! 32-bit machine).

use super::AttributeError;
use crate::spec::{Personality, PersonalityDomain};
use crate::sys::sched;

/// PER_LINUX and PER_LINUX32 from uapi/linux/personality.h.
pub fn persona(p: &Personality) -> u32 {
    match p.domain {
        PersonalityDomain::Linux => 0x0000,
        PersonalityDomain::Linux32 => 0x0008,
    }
}

/// The warning runc gives for flags: the spec defines none yet.
pub fn flags_warning(p: &Personality) -> Option<String> {
    (!p.flags.is_empty())
        .then(|| format!("linux.personality.flags: ignoring unsupported personality flags {:?}", p.flags))
}

pub fn apply(p: &Personality) -> Result<(), AttributeError> {
    let value = persona(p);
    sched::personality(value).map(drop).map_err(|errno| AttributeError::Personality { value, errno })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_map_to_the_kernel_personas() {
        assert_eq!(persona(&Personality { domain: PersonalityDomain::Linux, flags: vec![] }), 0);
        assert_eq!(persona(&Personality { domain: PersonalityDomain::Linux32, flags: vec![] }), 8);
    }

    #[test]
    fn flags_are_ignored_with_a_warning() {
        let p = Personality { domain: PersonalityDomain::Linux, flags: vec!["ADDR_NO_RANDOMIZE".into()] };
        assert!(flags_warning(&p).is_some_and(|w| w.contains("ADDR_NO_RANDOMIZE")));
        assert_eq!(flags_warning(&Personality { domain: PersonalityDomain::Linux, flags: vec![] }), None);
    }
}

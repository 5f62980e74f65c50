//! process.ioPriority: ioprio_set(2) for the container's process (its children inherit it).

use super::attr_error::InvalidSetting;
use super::AttributeError;
use crate::spec::{IoPriority, IoPriorityClass};
use crate::sys::sched;

const IOPRIO_CLASS_SHIFT: u32 = 13;

/// The kernel's ioprio value: the class in the top bits, the level below.
pub fn encode(p: &IoPriority) -> u32 {
    let class = match p.class {
        IoPriorityClass::Rt => 1,
        IoPriorityClass::Be => 2,
        IoPriorityClass::Idle => 3,
    };
    (class << IOPRIO_CLASS_SHIFT) | p.priority as u32
}

pub fn validate(p: &IoPriority) -> Result<(), InvalidSetting> {
    if !(0..=7).contains(&p.priority) {
        return Err(InvalidSetting::new(
            "process.ioPriority.priority",
            format!("{} is out of range: levels go from 0 (highest) to 7 (lowest)", p.priority),
        ));
    }
    Ok(())
}

pub fn apply(p: &IoPriority) -> Result<(), AttributeError> {
    let value = encode(p);
    sched::ioprio_set(value).map_err(|errno| AttributeError::IoPriority { value, errno })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_and_level_share_one_value() {
        assert_eq!(encode(&IoPriority { class: IoPriorityClass::Be, priority: 4 }), (2 << 13) | 4);
        assert_eq!(encode(&IoPriority { class: IoPriorityClass::Rt, priority: 0 }), 1 << 13);
        assert_eq!(encode(&IoPriority { class: IoPriorityClass::Idle, priority: 7 }), (3 << 13) | 7);
    }

    #[test]
    fn levels_above_seven_are_refused() {
        let e = validate(&IoPriority { class: IoPriorityClass::Be, priority: 8 }).unwrap_err();
        assert_eq!(e.field, "process.ioPriority.priority");
    }
}

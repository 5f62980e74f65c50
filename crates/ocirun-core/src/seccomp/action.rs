//! Actions as the kernel's SECCOMP_RET_* return values (linux/seccomp.h).

use crate::spec::seccomp::Action;

use super::SeccompError;

const RET_KILL_PROCESS: u32 = 0x8000_0000;
pub const RET_KILL_THREAD: u32 = 0x0000_0000;
const RET_TRAP: u32 = 0x0003_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_USER_NOTIF: u32 = 0x7fc0_0000;
const RET_TRACE: u32 = 0x7ff0_0000;
const RET_LOG: u32 = 0x7ffc_0000;
pub const RET_ALLOW: u32 = 0x7fff_0000;

/// The answer for a syscall number above the highest the profile names.
pub const RET_ENOSYS: u32 = RET_ERRNO | libc::ENOSYS as u32;

/// The return value of `action`. ERRNO and TRACE carry `errno_ret` (EPERM when absent) in the
/// 16-bit data field; the other actions take none, and giving them one is an error (the spec:
/// the runtime MUST fail). `field` names errno_ret for the message.
pub fn ret_value(action: Action, errno_ret: Option<u32>, field: &str) -> Result<u32, SeccompError> {
    let data = || -> Result<u32, SeccompError> {
        let errno = errno_ret.unwrap_or(libc::EPERM as u32);
        if errno > 0xffff {
            return Err(SeccompError::invalid(
                field,
                format!("{errno} does not fit the 16 bits a seccomp return value has for it"),
            ));
        }
        Ok(errno)
    };
    let base = match action {
        Action::Errno => return Ok(RET_ERRNO | data()?),
        Action::Trace => return Ok(RET_TRACE | data()?),
        Action::Kill | Action::KillThread => RET_KILL_THREAD,
        Action::KillProcess => RET_KILL_PROCESS,
        Action::Trap => RET_TRAP,
        Action::Allow => RET_ALLOW,
        Action::Log => RET_LOG,
        Action::Notify => RET_USER_NOTIF,
    };
    match errno_ret {
        Some(_) => Err(SeccompError::invalid(field, format!("{} takes no errno", action.name()))),
        None => Ok(base),
    }
}

/// Whether the default action lets unknown syscalls through, in which case runc does not answer
/// new syscalls with ENOSYS: ALLOW, LOG, and TRACE (a tracer handles new syscalls itself).
pub fn lets_through(action: Action) -> bool {
    matches!(action, Action::Allow | Action::Log | Action::Trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_and_trace_carry_their_errno_and_default_to_eperm() {
        assert_eq!(ret_value(Action::Errno, None, "f"), Ok(0x0005_0001));
        assert_eq!(ret_value(Action::Errno, Some(38), "f"), Ok(0x0005_0026));
        assert_eq!(ret_value(Action::Trace, None, "f"), Ok(0x7ff0_0001));
        assert_eq!(ret_value(Action::Trace, Some(7), "f"), Ok(0x7ff0_0007));
    }

    #[test]
    fn kill_is_kill_thread_as_in_libseccomp() {
        assert_eq!(ret_value(Action::Kill, None, "f"), ret_value(Action::KillThread, None, "f"));
        assert_eq!(ret_value(Action::KillProcess, None, "f"), Ok(0x8000_0000));
    }

    #[test]
    fn an_errno_on_an_action_that_takes_none_names_the_field() {
        let e = ret_value(Action::Allow, Some(1), "linux.seccomp.syscalls[3].errnoRet").unwrap_err();
        assert_eq!(e.to_string(), "linux.seccomp.syscalls[3].errnoRet: SCMP_ACT_ALLOW takes no errno");
    }

    #[test]
    fn an_errno_beyond_16_bits_is_refused() {
        assert!(ret_value(Action::Errno, Some(0x1_0000), "f").is_err());
    }
}

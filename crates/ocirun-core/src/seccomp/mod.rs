//! seccomp without libseccomp: a profile (`linux.seccomp`) compiled into a classic BPF program
//! in the launcher, before the init exists (as crun does), then loaded by the init.
//!
//! [`compile`] is pure: the program depends only on the profile and the native ABI, and the
//! syscall numbers come from the `syscalls` crate (x86_64, x86, aarch64, arm) and from a table
//! generated from the kernel's UAPI header (x32). [`check_kernel`] asks the running kernel
//! about the filter flags the profile wants.

mod action;
mod arch;
mod bpf;
mod codegen;
mod error;
mod load;
mod plan;
mod x32_table;

#[cfg(test)]
mod interp;
#[cfg(test)]
mod tests;

pub use arch::Abi;
pub use error::SeccompError;
pub use load::{load, Filter, LoadError};

use crate::spec::seccomp::{Action, Flag, Seccomp};
use crate::sys::seccomp::{self as sys, SockFilter};

/// A compiled profile: what the init hands to seccomp(2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub filter: Vec<SockFilter>,
    /// SECCOMP_FILTER_FLAG_* for seccomp(2).
    pub flags: u32,
    /// Syscall names the tables do not know, skipped as runc skips them.
    pub unknown_syscalls: Vec<String>,
}

impl Program {
    /// Whether loading returns a notification descriptor for the listener (SCMP_ACT_NOTIFY).
    pub fn has_listener(&self) -> bool {
        self.flags & sys::SECCOMP_FILTER_FLAG_NEW_LISTENER != 0
    }

    /// The instructions as bytes (sock_filter in native byte order), for the control socket.
    pub fn filter_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.filter.len() * 8);
        for i in &self.filter {
            out.extend_from_slice(&i.code.to_ne_bytes());
            out.extend_from_slice(&[i.jt, i.jf]);
            out.extend_from_slice(&i.k.to_ne_bytes());
        }
        out
    }
}

/// Instructions from [`Program::filter_bytes`]; None when the length is not a whole number.
pub fn filter_from_bytes(bytes: &[u8]) -> Option<Vec<SockFilter>> {
    if bytes.len() % 8 != 0 {
        return None;
    }
    let insn = |b: &[u8]| SockFilter {
        code: u16::from_ne_bytes([b[0], b[1]]),
        jt: b[2],
        jf: b[3],
        k: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
    };
    Some(bytes.chunks_exact(8).map(insn).collect())
}

/// Compiles a profile for a kernel whose native ABI is `native`. The native ABI is always in the
/// filter; the profile's other architectures are added when this kernel runs their programs
/// (the rest never reach the filter). Any other architecture is killed.
pub fn compile(profile: &Seccomp, native: Abi) -> Result<Program, SeccompError> {
    check_listener(profile)?;
    let mut abis = vec![native];
    for &arch in &profile.architectures {
        if let Some(abi) = Abi::of(arch, native).filter(|a| !abis.contains(a)) {
            abis.push(abi);
        }
    }
    let plan = plan::plan(profile, &abis)?;
    let filter = codegen::generate(&plan, !action::lets_through(profile.default_action))?;
    Ok(Program { filter, flags: flags(profile, plan.notifies), unknown_syscalls: plan.unknown })
}

/// The spec's rules for the listener, and runc's: NOTIFY cannot be the default (the init could
/// not hand the listener over), and needs listenerPath; listenerMetadata needs it too.
fn check_listener(profile: &Seccomp) -> Result<(), SeccompError> {
    if profile.default_action == Action::Notify {
        return Err(SeccompError::invalid(
            "linux.seccomp.defaultAction",
            "SCMP_ACT_NOTIFY cannot be the default action: the runtime could not hand the listener over",
        ));
    }
    if profile.listener_path.is_none() {
        if let Some(i) = profile.syscalls.iter().position(|r| r.action == Action::Notify) {
            return Err(SeccompError::invalid(
                "linux.seccomp.listenerPath",
                format!("is required: linux.seccomp.syscalls[{i}] uses SCMP_ACT_NOTIFY"),
            ));
        }
        if profile.listener_metadata.is_some() {
            return Err(SeccompError::invalid(
                "linux.seccomp.listenerMetadata",
                "must not be set without listenerPath",
            ));
        }
    }
    Ok(())
}

/// The flags for seccomp(2). TSYNC is accepted and ignored, as runc does: the init has one
/// thread. WAIT_KILLABLE_RECV only means something with a listener, and the kernel refuses it
/// without one, so it is passed only when some rule notifies.
fn flags(profile: &Seccomp, notifies: bool) -> u32 {
    let mut flags = if notifies { sys::SECCOMP_FILTER_FLAG_NEW_LISTENER } else { 0 };
    for f in &profile.flags {
        flags |= match f {
            Flag::Tsync => 0,
            Flag::Log => sys::SECCOMP_FILTER_FLAG_LOG,
            Flag::SpecAllow => sys::SECCOMP_FILTER_FLAG_SPEC_ALLOW,
            Flag::WaitKillableRecv if notifies => sys::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
            Flag::WaitKillableRecv => 0,
        };
    }
    flags
}

/// Compiles a profile for this machine and checks its flags against the running kernel.
pub fn compile_for_host(profile: &Seccomp) -> Result<Program, SeccompError> {
    let program = compile(profile, Abi::host())?;
    check_kernel(profile, &program)?;
    Ok(program)
}

/// Refuses, as runc does, a flag this kernel does not know (asked without loading anything).
pub fn check_kernel(profile: &Seccomp, program: &Program) -> Result<(), SeccompError> {
    check_flags(profile, program, sys::flags_supported)
}

fn check_flags(profile: &Seccomp, program: &Program, supported: impl Fn(u32) -> bool) -> Result<(), SeccompError> {
    for (i, f) in profile.flags.iter().enumerate() {
        let Some(bits) = kernel_bits(*f, program.has_listener()) else { continue };
        if !supported(bits) {
            return Err(SeccompError::invalid(
                format!("linux.seccomp.flags[{i}]"),
                format!("{} is not supported by this kernel", f.name()),
            ));
        }
    }
    Ok(())
}

/// The bits seccomp(2) is asked for with flag `f`, None for a flag that is never passed on
/// (TSYNC: the init has one thread; WAIT_KILLABLE_RECV without a listener).
fn kernel_bits(f: Flag, listener: bool) -> Option<u32> {
    match f {
        Flag::Tsync => None,
        Flag::Log => Some(sys::SECCOMP_FILTER_FLAG_LOG),
        Flag::SpecAllow => Some(sys::SECCOMP_FILTER_FLAG_SPEC_ALLOW),
        Flag::WaitKillableRecv if listener => {
            Some(sys::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | sys::SECCOMP_FILTER_FLAG_NEW_LISTENER)
        }
        Flag::WaitKillableRecv => None,
    }
}

/// Whether a profile may use `f` on this kernel (what features lists as supportedFlags).
pub fn flag_supported(f: Flag) -> bool {
    kernel_bits(f, true).is_none_or(sys::flags_supported)
}

//! The syscall ABIs a filter can tell apart, how the kernel names them in `seccomp_data.arch`
//! (the AUDIT_ARCH_* values of linux/audit.h), and their syscall numbers by name.

use std::str::FromStr;

use crate::spec::seccomp::Arch;

use super::x32_table::X32_SYSCALLS;

const AUDIT_ARCH_64BIT: u32 = 0x8000_0000;
const AUDIT_ARCH_LE: u32 = 0x4000_0000;
// ELF machine numbers (EM_*).
const EM_386: u32 = 3;
const EM_ARM: u32 = 40;
const EM_X86_64: u32 = 62;
const EM_AARCH64: u32 = 183;

/// x32 syscalls are x86_64's AUDIT_ARCH with this bit set in the syscall number.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// A syscall ABI with its own syscall table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Abi {
    X86_64,
    X32,
    X86,
    Aarch64,
    Arm,
}

impl Abi {
    /// The value of `seccomp_data.arch` for a syscall of this ABI (x32 shares x86_64's).
    pub fn audit_arch(self) -> u32 {
        match self {
            Abi::X86_64 | Abi::X32 => EM_X86_64 | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE,
            Abi::X86 => EM_386 | AUDIT_ARCH_LE,
            Abi::Aarch64 => EM_AARCH64 | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE,
            Abi::Arm => EM_ARM | AUDIT_ARCH_LE,
        }
    }

    /// Whether arguments are compared on all 64 bits. As libseccomp does, the 32-bit ABIs (x32
    /// included) compare the low 32 bits only.
    pub fn wide_args(self) -> bool {
        matches!(self, Abi::X86_64 | Abi::Aarch64)
    }

    /// The syscall's number in this ABI, None when the ABI has no such syscall.
    pub fn syscall(self, name: &str) -> Option<u32> {
        let nr = match self {
            Abi::X86_64 => syscalls::x86_64::Sysno::from_str(name).ok().map(|s| s.id()),
            Abi::X86 => syscalls::x86::Sysno::from_str(name).ok().map(|s| s.id()),
            Abi::Aarch64 => syscalls::aarch64::Sysno::from_str(name).ok().map(|s| s.id()),
            Abi::Arm => syscalls::arm::Sysno::from_str(name).ok().map(|s| s.id()),
            Abi::X32 => {
                let i = X32_SYSCALLS.binary_search_by(|(n, _)| n.cmp(&name)).ok()?;
                return Some(X32_SYSCALLS[i].1 | X32_SYSCALL_BIT);
            }
        };
        nr.and_then(|n| u32::try_from(n).ok())
    }

    /// The ABI of a profile's architecture, if `native`'s kernel runs programs of it. The
    /// others cannot reach the filter: the kernel never reports them.
    pub fn of(arch: Arch, native: Abi) -> Option<Abi> {
        let abi = match arch {
            Arch::X86_64 => Abi::X86_64,
            Arch::X32 => Abi::X32,
            Arch::X86 => Abi::X86,
            Arch::Aarch64 => Abi::Aarch64,
            Arch::Arm => Abi::Arm,
            _ => return None,
        };
        (abi.native() == native).then_some(abi)
    }

    /// The native ABI of the kernel that runs programs of this ABI.
    fn native(self) -> Abi {
        match self {
            Abi::X86_64 | Abi::X32 | Abi::X86 => Abi::X86_64,
            Abi::Aarch64 | Abi::Arm => Abi::Aarch64,
        }
    }

    /// The ABI of the machine this runs on.
    pub fn host() -> Abi {
        if cfg!(target_arch = "aarch64") {
            Abi::Aarch64
        } else {
            Abi::X86_64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_abi_resolves_names_from_its_own_table() {
        assert_eq!(Abi::X86_64.syscall("getpid"), Some(39));
        assert_eq!(Abi::X86.syscall("getpid"), Some(20));
        assert_eq!(Abi::X32.syscall("getpid"), Some(39 | X32_SYSCALL_BIT));
        assert_eq!(Abi::Aarch64.syscall("getpid"), Some(172));
        assert_eq!(Abi::Arm.syscall("getpid"), Some(20));
        assert_eq!(Abi::X86_64.syscall("socketcall"), None);
        assert_eq!(Abi::X86.syscall("socketcall"), Some(102));
        assert_eq!(Abi::X86_64.syscall("no_such_syscall"), None);
    }

    #[test]
    fn the_x32_table_is_sorted_for_binary_search() {
        assert!(X32_SYSCALLS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn foreign_architectures_have_no_abi_on_this_kernel() {
        assert_eq!(Abi::of(Arch::X86, Abi::X86_64), Some(Abi::X86));
        assert_eq!(Abi::of(Arch::Arm, Abi::X86_64), None);
        assert_eq!(Abi::of(Arch::Arm, Abi::Aarch64), Some(Abi::Arm));
        assert_eq!(Abi::of(Arch::Mips, Abi::X86_64), None);
    }

    #[test]
    fn audit_arch_values_are_the_kernels() {
        assert_eq!(Abi::X86_64.audit_arch(), 0xc000_003e);
        assert_eq!(Abi::X86.audit_arch(), 0x4000_0003);
        assert_eq!(Abi::Aarch64.audit_arch(), 0xc000_00b7);
        assert_eq!(Abi::Arm.audit_arch(), 0x4000_0028);
    }
}

//! The cgroup v2 device filter: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE built from
//! the rules, attached to the container's cgroup, as runc and crun do.
//!
//! The program walks the rules from the last to the first, so the first rule that matches is the
//! one `super::allows` would have let decide; a rule that matches the device but not the access
//! (an allow rule missing a requested bit, a deny rule sharing none) falls through to the rules
//! before it. Every jump goes forward to the next rule's block, so the program has no loop and
//! its offsets stay within a block, however many rules there are.

use std::ffi::CStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use super::{Access, Kind, Rule};
use crate::cgroups::error::{CgroupError, Result};
use crate::sys::bpf::{self, Insn, BPF_AND, BPF_JEQ, BPF_JNE, BPF_JSET, BPF_RSH};
use crate::sys::{fs, Errno};

/// The name ocirun loads its programs with, by which `apply` finds the one it replaces.
pub const PROG_NAME: &str = "ocirun_devices";

/// The program calls no GPL-only helper, so the license is ocirun's own.
const LICENSE: &CStr = c"Apache-2.0";

/// Lines of the verifier log kept in the error: the log ends with the reason, then a line of
/// statistics; the instruction trace before them is noise in an error message.
const LOG_TAIL_LINES: usize = 3;

// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
const CTX_ACCESS_TYPE: i16 = 0;
const CTX_MAJOR: i16 = 4;
const CTX_MINOR: i16 = 8;

// access_type is (access << 16) | type, with the kernel's BPF_DEVCG_* values.
const DEV_BLOCK: i32 = 1;
const DEV_CHAR: i32 = 2;
const ACC_MKNOD: i32 = 1;
const ACC_READ: i32 = 2;
const ACC_WRITE: i32 = 4;

// Registers: r0 the verdict, r1 the context on entry, r2..r5 its unpacked fields, r6 scratch.
const R_VERDICT: u8 = 0;
const R_CTX: u8 = 1;
const R_ACCESS: u8 = 2;
const R_TYPE: u8 = 3;
const R_MAJOR: u8 = 4;
const R_MINOR: u8 = 5;
const R_SCRATCH: u8 = 6;

/// Offset placeholder for "to the next rule's block"; a real program never jumps backwards.
const TO_NEXT_RULE: i16 = -1;

/// The kernel's BPF_DEVCG_ACC_* bits for our r/w/m bits.
fn kernel_access(access: Access) -> i32 {
    [(Access::READ, ACC_READ), (Access::WRITE, ACC_WRITE), (Access::MKNOD, ACC_MKNOD)]
        .iter()
        .filter(|(ours, _)| access.has(*ours))
        .fold(0, |bits, (_, kernel)| bits | kernel)
}

fn kernel_type(kind: Kind) -> Option<i32> {
    match kind {
        Kind::All => None,
        Kind::Char => Some(DEV_CHAR),
        Kind::Block => Some(DEV_BLOCK),
    }
}

/// The program's instructions (struct bpf_insn, 8 bytes each) enforcing `rules` with the
/// semantics of `super::allows`.
pub fn program(rules: &[Rule]) -> Vec<Insn> {
    let mut insns = vec![
        Insn::load_u32(R_ACCESS, R_CTX, CTX_ACCESS_TYPE),
        Insn::mov32_reg(R_TYPE, R_ACCESS),
        Insn::alu32_imm(BPF_AND, R_TYPE, 0xffff),
        Insn::alu32_imm(BPF_RSH, R_ACCESS, 16),
        Insn::load_u32(R_MAJOR, R_CTX, CTX_MAJOR),
        Insn::load_u32(R_MINOR, R_CTX, CTX_MINOR),
    ];
    for rule in rules.iter().rev() {
        insns.extend(rule_block(rule));
    }
    insns.extend(verdict(false));
    insns
}

fn verdict(allow: bool) -> [Insn; 2] {
    [Insn::mov64_imm(R_VERDICT, i32::from(allow)), Insn::exit()]
}

/// The tests of one rule, each jumping past the block when it fails, then its verdict.
fn rule_block(rule: &Rule) -> Vec<Insn> {
    let access = kernel_access(rule.access);
    // A deny rule without access bits shares none with any request: it never decides.
    if !rule.allow && access == 0 {
        return Vec::new();
    }
    let mut block = Vec::with_capacity(8);
    if let Some(kind) = kernel_type(rule.kind) {
        block.push(Insn::jmp32_imm(BPF_JNE, R_TYPE, kind, TO_NEXT_RULE));
    }
    // 32-bit compares: a number above i32::MAX is still compared as the u32 it is.
    if let Some(major) = rule.major {
        block.push(Insn::jmp32_imm(BPF_JNE, R_MAJOR, major as i32, TO_NEXT_RULE));
    }
    if let Some(minor) = rule.minor {
        block.push(Insn::jmp32_imm(BPF_JNE, R_MINOR, minor as i32, TO_NEXT_RULE));
    }
    if rule.allow {
        // Any requested bit the rule does not grant leaves the decision to earlier rules.
        block.push(Insn::jmp32_imm(BPF_JSET, R_ACCESS, !access, TO_NEXT_RULE));
    } else {
        block.push(Insn::mov32_reg(R_SCRATCH, R_ACCESS));
        block.push(Insn::alu32_imm(BPF_AND, R_SCRATCH, access));
        block.push(Insn::jmp32_imm(BPF_JEQ, R_SCRATCH, 0, TO_NEXT_RULE));
    }
    block.extend(verdict(rule.allow));
    let len = block.len();
    for (i, insn) in block.iter_mut().enumerate() {
        if insn.off == TO_NEXT_RULE {
            // A block is at most 8 instructions long.
            insn.off = (len - i - 1) as i16;
        }
    }
    block
}

/// Loads the program for `rules` and attaches it to the cgroup v2 directory `dir`, then
/// detaches any device program ocirun attached there before (so an update replaces it).
pub fn apply(dir: &Path, rules: &[Rule]) -> Result<()> {
    let failed = |errno| CgroupError::DeviceFilter { path: dir.to_path_buf(), errno };
    let cgroup = fs::openat(None, dir, libc::O_RDONLY | libc::O_DIRECTORY, 0).map_err(failed)?;
    let old = own_programs(cgroup.as_fd()).map_err(failed)?;
    let prog = bpf::prog_load_cgroup_device(&program(rules), LICENSE, PROG_NAME).map_err(|e| {
        if e.log.is_empty() {
            return failed(e.errno);
        }
        let lines: Vec<&str> = e.log.lines().collect();
        let log = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join(" | ");
        CgroupError::DeviceFilterRejected { path: dir.to_path_buf(), log, errno: e.errno }
    })?;
    // Attaching before detaching: the cgroup is never without a filter. Until the old program
    // goes, a device needs both to allow it.
    bpf::prog_attach(cgroup.as_fd(), prog.as_fd(), bpf::BPF_F_ALLOW_MULTI).map_err(failed)?;
    for old in &old {
        match bpf::prog_detach(cgroup.as_fd(), old.as_fd()) {
            // Someone else detached it meanwhile.
            Ok(()) | Err(Errno::ENOENT) => {}
            Err(errno) => return Err(failed(errno)),
        }
    }
    Ok(())
}

/// The device programs attached to `cgroup` that carry ocirun's name. Programs of others (such
/// as systemd's) stay: with BPF_F_ALLOW_MULTI they can only restrict further.
fn own_programs(cgroup: BorrowedFd<'_>) -> std::result::Result<Vec<OwnedFd>, Errno> {
    let mut own = Vec::new();
    for id in bpf::prog_query(cgroup)? {
        let prog = match bpf::prog_get_fd_by_id(id) {
            Ok(prog) => prog,
            // Detached and freed since the query.
            Err(Errno::ENOENT) => continue,
            Err(errno) => return Err(errno),
        };
        if bpf::prog_name(prog.as_fd())? == PROG_NAME {
            own.push(prog);
        }
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::super::{allows, container_rules};
    use super::*;
    use crate::cgroups::testing::{is_root, ScratchCgroup};
    use crate::sys::bpf::{BPF_ALU, BPF_ALU64, BPF_EXIT, BPF_JMP, BPF_JMP32, BPF_K, BPF_LDX, BPF_MEM, BPF_MOV};
    use crate::sys::bpf::{BPF_W, BPF_X};

    const LDX_W: u8 = BPF_LDX | BPF_MEM | BPF_W;
    const MOV32_X: u8 = BPF_ALU | BPF_MOV | BPF_X;
    const AND32_K: u8 = BPF_ALU | BPF_AND | BPF_K;
    const RSH32_K: u8 = BPF_ALU | BPF_RSH | BPF_K;
    const MOV64_K: u8 = BPF_ALU64 | BPF_MOV | BPF_K;
    const JNE32_K: u8 = BPF_JMP32 | BPF_JNE | BPF_K;
    const JEQ32_K: u8 = BPF_JMP32 | BPF_JEQ | BPF_K;
    const JSET32_K: u8 = BPF_JMP32 | BPF_JSET | BPF_K;
    const EXIT: u8 = BPF_JMP | BPF_EXIT;

    /// Runs the subset of eBPF `program` emits on a bpf_cgroup_dev_ctx; returns r0 at exit.
    fn run(prog: &[Insn], ctx: [u32; 3]) -> u64 {
        let mut r = [0u64; 11];
        let mut pc = 0;
        loop {
            let insn = prog[pc];
            let (d, s, imm) = (usize::from(insn.dst()), usize::from(insn.src()), insn.imm as u32);
            let mut taken = false;
            match insn.code {
                LDX_W => {
                    assert_eq!((s, insn.off % 4), (usize::from(R_CTX), 0), "only aligned ctx loads");
                    r[d] = u64::from(ctx[insn.off as usize / 4]);
                }
                MOV32_X => r[d] = u64::from(r[s] as u32),
                AND32_K => r[d] = u64::from(r[d] as u32 & imm),
                RSH32_K => r[d] = u64::from(r[d] as u32 >> imm),
                MOV64_K => r[d] = insn.imm as i64 as u64,
                JNE32_K => taken = r[d] as u32 != imm,
                JEQ32_K => taken = r[d] as u32 == imm,
                JSET32_K => taken = r[d] as u32 & imm != 0,
                EXIT => return r[0],
                other => panic!("opcode {other:#04x} at {pc} is outside the interpreted subset"),
            }
            pc += 1 + if taken { insn.off as usize } else { 0 };
        }
    }

    fn ctx(kind: Kind, major: u32, minor: u32, access: u8) -> [u32; 3] {
        let kind = kernel_type(kind).unwrap_or(0) as u32;
        [(kernel_access(Access(access)) as u32) << 16 | kind, major, minor]
    }

    /// Compares the program's verdict with `allows` for every access on a grid made of the
    /// rules' own numbers, their neighbours and a few others.
    fn assert_same_verdicts(rules: &[Rule]) {
        let prog = program(rules);
        let mut numbers = vec![0, 1, 3, 5, 8, 136, 4095, i32::MAX as u32, u32::MAX];
        for r in rules {
            numbers.extend(r.major.into_iter().chain(r.minor).flat_map(|n| [n, n.wrapping_add(1)]));
        }
        numbers.sort_unstable();
        numbers.dedup();
        for kind in [Kind::Char, Kind::Block] {
            for &major in &numbers {
                for &minor in &numbers {
                    for access in 0..=Access::ALL.0 {
                        let expected = allows(rules, kind, major, minor, access);
                        let got = run(&prog, ctx(kind, major, minor, access));
                        assert_eq!(got, u64::from(expected), "{kind:?} {major}:{minor} {}", Access(access));
                    }
                }
            }
        }
    }

    fn rule(allow: bool, kind: Kind, major: Option<u32>, minor: Option<u32>, access: &str) -> Rule {
        Rule { allow, kind, major, minor, access: Access::parse(access).unwrap_or_default() }
    }

    /// A reproducible list of `n` rules over few enough numbers that they overlap.
    fn generated_rules(n: usize) -> Vec<Rule> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |m: u64| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % m
        };
        let number = |v: u64| [None, Some(1), Some(3), Some(8), Some(u32::MAX)][v as usize];
        (0..n)
            .map(|_| Rule {
                allow: next(2) == 0,
                kind: [Kind::All, Kind::Char, Kind::Block][next(3) as usize],
                major: number(next(5)),
                minor: number(next(5)),
                access: Access(next(8) as u8),
            })
            .collect()
    }

    #[test]
    fn the_default_rules_decide_as_allows_does() {
        assert_same_verdicts(&container_rules(&[], &[]).expect("rules"));
    }

    #[test]
    fn no_rules_deny_everything() {
        assert_same_verdicts(&[]);
        assert_eq!(run(&program(&[]), ctx(Kind::Char, 1, 3, Access::READ)), 0);
    }

    #[test]
    fn a_later_deny_overrides_an_earlier_allow_only_for_the_bits_it_names() {
        let rules = [
            rule(true, Kind::All, None, None, "rwm"),
            rule(false, Kind::Char, Some(1), None, "w"),
            rule(true, Kind::Char, Some(1), Some(3), "rw"),
            rule(false, Kind::Block, None, None, "r"),
            rule(false, Kind::Char, Some(5), Some(0), "m"),
            rule(false, Kind::All, Some(8), Some(1), ""),
        ];
        assert_same_verdicts(&rules);
        let prog = program(&rules);
        assert_eq!(run(&prog, ctx(Kind::Char, 1, 5, Access::READ)), 1);
        assert_eq!(run(&prog, ctx(Kind::Char, 1, 5, Access::READ | Access::WRITE)), 0);
        assert_eq!(run(&prog, ctx(Kind::Char, 1, 3, Access::WRITE)), 1);
    }

    #[test]
    fn wildcard_numbers_match_any_device() {
        let rules = [
            rule(false, Kind::All, None, None, "rwm"),
            rule(true, Kind::Char, None, Some(3), "r"),
            rule(true, Kind::Block, Some(8), None, "rw"),
            rule(true, Kind::All, None, Some(1), "m"),
            rule(false, Kind::Char, Some(1), None, "r"),
            rule(true, Kind::Char, Some(u32::MAX), Some(u32::MAX), "rw"),
        ];
        assert_same_verdicts(&rules);
    }

    #[test]
    fn an_allow_rule_must_grant_every_requested_bit() {
        let rules = [rule(true, Kind::Char, Some(1), Some(3), "r")];
        let prog = program(&rules);
        assert_eq!(run(&prog, ctx(Kind::Char, 1, 3, Access::READ)), 1);
        assert_eq!(run(&prog, ctx(Kind::Char, 1, 3, Access::READ | Access::WRITE)), 0);
        assert_eq!(run(&prog, ctx(Kind::Block, 1, 3, Access::READ)), 0);
    }

    #[test]
    fn three_hundred_rules_decide_as_allows_does() {
        let rules = generated_rules(300);
        assert_same_verdicts(&rules);
    }

    #[test]
    fn every_jump_is_forward_and_lands_inside_the_program() {
        let prog = program(&generated_rules(300));
        assert_eq!(prog.last().map(|i| i.code), Some(EXIT));
        for (pc, insn) in prog.iter().enumerate() {
            if insn.code & 0x07 == BPF_JMP32 {
                assert!(insn.off >= 0, "backward jump at {pc}");
                assert!(pc + 1 + (insn.off as usize) < prog.len(), "jump out of the program at {pc}");
            }
        }
    }

    #[test]
    fn access_bits_are_translated_to_the_kernel_values() {
        assert_eq!(kernel_access(Access(Access::READ)), 2);
        assert_eq!(kernel_access(Access(Access::WRITE)), 4);
        assert_eq!(kernel_access(Access(Access::MKNOD)), 1);
        assert_eq!(kernel_access(Access::ALL), 7);
    }

    /// Runs a shell in the cgroup that reads `dev`; returns whether it could and its stderr.
    fn read_device_in(cgroup: &Path, dev: &str) -> (bool, String) {
        let script = format!("echo $$ > {}/cgroup.procs || exit 99; head -c1 {dev} >/dev/null", cgroup.display());
        let out = std::process::Command::new("/bin/sh").args(["-c", &script]).output().expect("run /bin/sh");
        assert_ne!(out.status.code(), Some(99), "could not join {cgroup:?}");
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    fn own_program_count(dir: &Path) -> usize {
        let cgroup = fs::openat(None, dir, libc::O_RDONLY | libc::O_DIRECTORY, 0).expect("open cgroup");
        own_programs(cgroup.as_fd()).expect("query").len()
    }

    #[test]
    fn the_filter_denies_devices_in_a_real_cgroup_and_an_update_replaces_it() {
        let unified = Path::new("/sys/fs/cgroup/unified");
        if !is_root() || !unified.join("cgroup.procs").exists() {
            eprintln!("skipped: needs root and a cgroup2 hierarchy at {unified:?}");
            return;
        }
        let scratch = ScratchCgroup(unified.join(format!("ocirun-bpf-test-{}", std::process::id())));
        std::fs::create_dir(&scratch.0).expect("create the scratch cgroup");
        let null_only = [rule(false, Kind::All, None, None, "rwm"), rule(true, Kind::Char, Some(1), Some(3), "rwm")];
        apply(&scratch.0, &null_only).expect("apply");
        assert_eq!(own_program_count(&scratch.0), 1);
        assert_eq!(read_device_in(&scratch.0, "/dev/null"), (true, String::new()));
        let (ok, stderr) = read_device_in(&scratch.0, "/dev/zero");
        assert!(!ok && stderr.contains("Operation not permitted"), "reading /dev/zero: {stderr}");

        let mut with_zero = null_only.to_vec();
        with_zero.push(rule(true, Kind::Char, Some(1), Some(5), "r"));
        apply(&scratch.0, &with_zero).expect("update");
        assert_eq!(own_program_count(&scratch.0), 1, "the update left the old program attached");
        assert_eq!(read_device_in(&scratch.0, "/dev/zero"), (true, String::new()));
        let (ok, stderr) = read_device_in(&scratch.0, "/dev/full");
        assert!(!ok && stderr.contains("Operation not permitted"), "reading /dev/full: {stderr}");

        apply(&scratch.0, &generated_rules(300)).expect("300 rules pass the verifier");
        assert_eq!(own_program_count(&scratch.0), 1);
        apply(&scratch.0, &null_only).expect("apply");
        let (ok, stderr) = read_device_in(&scratch.0, "/dev/full");
        assert!(!ok && stderr.contains("Operation not permitted"), "reading /dev/full: {stderr}");
    }
}

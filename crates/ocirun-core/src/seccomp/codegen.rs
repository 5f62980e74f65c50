//! Lays the plan out as classic BPF:
//!
//! ```text
//!   ld arch; (jeq AUDIT_ARCH, next, skip 1; ja section)*; ret KILL     foreign arch
//! section:            (one per AUDIT_ARCH; x86_64 and x32 share one)
//!   ld nr
//!   [x86_64: jge X32_BIT, next, skip 1; ja x32-part, or ret KILL without one]
//! part:               (one per ABI)
//!   [jgt highest-named, next, skip 1; ret ENOSYS]
//!   (jeq nr, ret)*; ret ACTION                  unconditional, <= 255 per shared ret
//!   (jeq nr, next, skip 1; ja body)*            conditional
//!   ret DEFAULT
//!   body: (argument tests, fail -> next rule; ret ACTION)*; ret DEFAULT
//! ```
//! Every conditional jump stays inside a chunk or a rule, so it is short by construction.

use crate::spec::seccomp::{Arg, Operator};

use super::action::{RET_ENOSYS, RET_KILL_THREAD};
use super::arch::{Abi, X32_SYSCALL_BIT};
use super::bpf::{data_arg_low, Asm, Label, To, DATA_ARCH, DATA_NR, JEQ_K, JGE_K, JGT_K};
use super::plan::{AbiPlan, CondRule, Plan, Verdict};
use super::SeccompError;
use crate::sys::seccomp::SockFilter;

/// Syscalls sharing one `ret`: each `jeq` reaches it within 255 instructions.
const CHUNK: usize = 255;

pub fn generate(plan: &Plan, enosys: bool) -> Result<Vec<SockFilter>, SeccompError> {
    let mut asm = Asm::with_capacity(64 + plan.abis.iter().map(|p| p.syscalls.len() + 8).sum::<usize>());
    let sections: Vec<(u32, Label)> = audit_arches(plan).into_iter().map(|a| (a, asm.label())).collect();
    asm.load(DATA_ARCH);
    for &(arch, section) in &sections {
        asm.jump(JEQ_K, arch, To::Next, To::Skip(1));
        asm.ja(section);
    }
    asm.ret(RET_KILL_THREAD);
    for &(arch, section) in &sections {
        asm.bind(section);
        asm.load(DATA_NR);
        let parts: Vec<&AbiPlan> = plan.abis.iter().filter(|p| p.abi.audit_arch() == arch).collect();
        let x32 = parts.iter().find(|p| p.abi == Abi::X32);
        let x32_part = asm.label();
        if arch == Abi::X86_64.audit_arch() {
            // Numbers with the x32 bit belong to x32; without an x32 part they are a foreign ABI.
            asm.jump(JGE_K, X32_SYSCALL_BIT, To::Next, To::Skip(1));
            match x32 {
                Some(_) => asm.ja(x32_part),
                None => asm.ret(RET_KILL_THREAD),
            }
        }
        for part in parts.iter().filter(|p| p.abi != Abi::X32) {
            emit_part(&mut asm, part, plan.default_ret, enosys);
        }
        if let Some(part) = x32 {
            asm.bind(x32_part);
            emit_part(&mut asm, part, plan.default_ret, enosys);
        }
    }
    let len = asm.len();
    if len > crate::sys::seccomp::BPF_MAXINSNS {
        return Err(SeccompError::TooLong(len));
    }
    asm.finish()
}

/// The AUDIT_ARCH values of the plan, the native one first (the most frequent answer).
fn audit_arches(plan: &Plan) -> Vec<u32> {
    let mut arches: Vec<u32> = Vec::new();
    for p in &plan.abis {
        if !arches.contains(&p.abi.audit_arch()) {
            arches.push(p.abi.audit_arch());
        }
    }
    arches
}

/// One ABI's part; the syscall number is in A.
fn emit_part(asm: &mut Asm, part: &AbiPlan, default_ret: u32, enosys: bool) {
    if let (true, Some(max)) = (enosys, part.max_named) {
        asm.jump(JGT_K, max, To::Next, To::Skip(1));
        asm.ret(RET_ENOSYS);
    }
    let mut by_ret: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut bodies: Vec<(u32, &[CondRule])> = Vec::new();
    for (&nr, verdict) in &part.syscalls {
        match verdict {
            Verdict::Always(ret) => match by_ret.iter_mut().find(|(r, _)| r == ret) {
                Some((_, nrs)) => nrs.push(nr),
                None => by_ret.push((*ret, vec![nr])),
            },
            Verdict::Conditional(rules) => bodies.push((nr, rules)),
        }
    }
    for (ret, nrs) in &by_ret {
        for chunk in nrs.chunks(CHUNK) {
            emit_chunk(asm, chunk, *ret);
        }
    }
    let labels: Vec<Label> = bodies.iter().map(|_| asm.label()).collect();
    for (&(nr, _), &body) in bodies.iter().zip(&labels) {
        asm.jump(JEQ_K, nr, To::Next, To::Skip(1));
        asm.ja(body);
    }
    asm.ret(default_ret);
    for (&(_, rules), &body) in bodies.iter().zip(&labels) {
        asm.bind(body);
        for rule in rules {
            emit_rule(asm, rule, part.abi.wide_args());
        }
        asm.ret(default_ret);
    }
}

/// `jeq` for each number, all to one `ret` right after them; no match falls past the `ret`.
fn emit_chunk(asm: &mut Asm, nrs: &[u32], ret: u32) {
    let last = nrs.len() - 1;
    for (i, &nr) in nrs.iter().enumerate() {
        let to_ret = (last - i) as u8;
        let miss = if i == last { To::Skip(1) } else { To::Next };
        asm.jump(JEQ_K, nr, To::Skip(to_ret), miss);
    }
    asm.ret(ret);
}

/// The rule's tests in sequence, each falling through when it holds; then its `ret`.
fn emit_rule(asm: &mut Asm, rule: &CondRule, wide: bool) {
    let next_rule = asm.label();
    for arg in &rule.args {
        emit_test(asm, arg, wide, next_rule);
    }
    asm.ret(rule.ret);
    asm.bind(next_rule);
}

/// Tests one argument: falls through when the condition holds, jumps to `fail` when not. On
/// 64-bit ABIs the high words decide unless they are equal, then the low words do.
fn emit_test(asm: &mut Asm, arg: &Arg, wide: bool, fail: Label) {
    let lo_off = data_arg_low(arg.index);
    let (hi, lo) = ((arg.value >> 32) as u32, arg.value as u32);
    let fail = To::Label(fail);
    if arg.op == Operator::MaskedEqual {
        let (dhi, dlo) = ((arg.value_two >> 32) as u32, arg.value_two as u32);
        if wide {
            asm.load(lo_off + 4);
            asm.and(hi);
            asm.jump(JEQ_K, dhi, To::Next, fail);
        }
        asm.load(lo_off);
        asm.and(lo);
        asm.jump(JEQ_K, dlo, To::Next, fail);
        return;
    }
    let pass = asm.label();
    if wide {
        asm.load(lo_off + 4);
        emit_high_word(asm, arg.op, hi, To::Label(pass), fail);
    }
    asm.load(lo_off);
    match arg.op {
        Operator::Equal => asm.jump(JEQ_K, lo, To::Next, fail),
        Operator::NotEqual => asm.jump(JEQ_K, lo, fail, To::Next),
        Operator::GreaterThan => asm.jump(JGT_K, lo, To::Next, fail),
        Operator::GreaterOrEqual => asm.jump(JGE_K, lo, To::Next, fail),
        Operator::LessThan => asm.jump(JGE_K, lo, fail, To::Next),
        Operator::LessOrEqual => asm.jump(JGT_K, lo, fail, To::Next),
        Operator::MaskedEqual => {}
    }
    asm.bind(pass);
}

/// The high-word test: decides `pass` or `fail`, or falls through to the low words when the
/// high words are equal (and, for NE, when they differ it has passed already).
fn emit_high_word(asm: &mut Asm, op: Operator, hi: u32, pass: To, fail: To) {
    match op {
        Operator::Equal => asm.jump(JEQ_K, hi, To::Next, fail),
        Operator::NotEqual => asm.jump(JEQ_K, hi, To::Next, pass),
        Operator::GreaterThan | Operator::GreaterOrEqual => {
            asm.jump(JGT_K, hi, pass, To::Next);
            asm.jump(JEQ_K, hi, To::Next, fail);
        }
        Operator::LessThan | Operator::LessOrEqual => {
            asm.jump(JGT_K, hi, fail, To::Next);
            asm.jump(JEQ_K, hi, To::Next, pass);
        }
        Operator::MaskedEqual => {}
    }
}

//! A small classic BPF assembler: instructions with symbolic jump targets, resolved into
//! sock_filter offsets. Conditional jumps have 8-bit offsets; the code generator lays code out
//! so that they stay short and uses `ja` (32-bit offset) for far targets; [`Asm::finish`]
//! checks every offset rather than trusting that.

use crate::sys::seccomp::SockFilter;

use super::SeccompError;

pub const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
pub const AND_K: u16 = 0x54; // BPF_ALU | BPF_AND | BPF_K
pub const JA: u16 = 0x05; // BPF_JMP | BPF_JA
pub const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
pub const JGT_K: u16 = 0x25; // BPF_JMP | BPF_JGT | BPF_K
pub const JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
pub const RET_K: u16 = 0x06; // BPF_RET | BPF_K

/// Offsets in struct seccomp_data.
pub const DATA_NR: u32 = 0;
pub const DATA_ARCH: u32 = 4;
/// args[i] is at 16 + 8 * i; on little-endian ABIs its low word comes first.
pub fn data_arg_low(index: u32) -> u32 {
    16 + 8 * index
}

/// A place in the program, bound once with [`Asm::bind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label(usize);

/// Where a conditional jump goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    /// The next instruction.
    Next,
    /// Over the next n instructions.
    Skip(u8),
    Label(Label),
}

enum Item {
    Plain(SockFilter),
    Cond { code: u16, k: u32, jt: To, jf: To },
    Ja(Label),
}

#[derive(Default)]
pub struct Asm {
    items: Vec<Item>,
    labels: Vec<Option<usize>>,
}

impl Asm {
    pub fn with_capacity(n: usize) -> Asm {
        Asm { items: Vec::with_capacity(n), labels: Vec::new() }
    }

    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Binds the label to the next instruction emitted.
    pub fn bind(&mut self, l: Label) {
        self.labels[l.0] = Some(self.items.len());
    }

    pub fn load(&mut self, offset: u32) {
        self.items.push(Item::Plain(SockFilter { code: LD_W_ABS, jt: 0, jf: 0, k: offset }));
    }

    pub fn and(&mut self, k: u32) {
        self.items.push(Item::Plain(SockFilter { code: AND_K, jt: 0, jf: 0, k }));
    }

    pub fn ret(&mut self, k: u32) {
        self.items.push(Item::Plain(SockFilter { code: RET_K, jt: 0, jf: 0, k }));
    }

    pub fn jump(&mut self, code: u16, k: u32, jt: To, jf: To) {
        self.items.push(Item::Cond { code, k, jt, jf });
    }

    pub fn ja(&mut self, to: Label) {
        self.items.push(Item::Ja(to));
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The program, with every jump resolved.
    pub fn finish(self) -> Result<Vec<SockFilter>, SeccompError> {
        let at = |l: Label| self.labels[l.0].ok_or(SeccompError::JumpOutOfRange(usize::MAX));
        let mut out = Vec::with_capacity(self.items.len());
        for (pc, item) in self.items.iter().enumerate() {
            out.push(match *item {
                Item::Plain(insn) => insn,
                Item::Ja(l) => {
                    let k = forward(pc, at(l)?)?;
                    SockFilter {
                        code: JA,
                        jt: 0,
                        jf: 0,
                        k: u32::try_from(k).map_err(|_| SeccompError::JumpOutOfRange(k))?,
                    }
                }
                Item::Cond { code, k, jt, jf } => {
                    let short = |to: To| -> Result<u8, SeccompError> {
                        let off = match to {
                            To::Next => return Ok(0),
                            To::Skip(n) => return Ok(n),
                            To::Label(l) => forward(pc, at(l)?)?,
                        };
                        u8::try_from(off).map_err(|_| SeccompError::JumpOutOfRange(off))
                    };
                    SockFilter { code, jt: short(jt)?, jf: short(jf)?, k }
                }
            });
        }
        Ok(out)
    }
}

/// The offset from the instruction after `pc` to `target`; classic BPF jumps only forward.
fn forward(pc: usize, target: usize) -> Result<usize, SeccompError> {
    target.checked_sub(pc + 1).ok_or(SeccompError::JumpOutOfRange(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_resolve_to_forward_offsets() {
        let mut a = Asm::default();
        let end = a.label();
        a.load(DATA_NR);
        a.jump(JEQ_K, 1, To::Label(end), To::Next);
        a.ja(end);
        a.ret(0);
        a.bind(end);
        a.ret(1);
        let p = a.finish().expect("assembles");
        assert_eq!((p[1].jt, p[1].jf), (2, 0));
        assert_eq!(p[2].k, 1);
    }

    #[test]
    fn a_conditional_jump_beyond_255_is_an_error() {
        let mut a = Asm::default();
        let far = a.label();
        a.jump(JEQ_K, 1, To::Label(far), To::Next);
        for _ in 0..256 {
            a.ret(0);
        }
        a.bind(far);
        a.ret(1);
        assert_eq!(a.finish().err(), Some(SeccompError::JumpOutOfRange(256)));
    }
}

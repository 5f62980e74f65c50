//! A classic BPF interpreter for the tests: runs a program on a seccomp_data the way the kernel
//! does, and panics on anything the kernel's checker would refuse (an unknown opcode, a load
//! outside seccomp_data, a jump out of the program, running off its end).

use crate::sys::seccomp::SockFilter;

use super::bpf::{AND_K, JA, JEQ_K, JGE_K, JGT_K, LD_W_ABS, RET_K};

/// struct seccomp_data.
#[derive(Debug, Clone, Copy)]
pub struct Data {
    pub nr: u32,
    pub arch: u32,
    pub args: [u64; 6],
}

impl Data {
    fn word(&self, offset: u32) -> u32 {
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(&self.nr.to_le_bytes());
        bytes.extend_from_slice(&self.arch.to_le_bytes());
        bytes.extend_from_slice(&0u64.to_le_bytes());
        for a in self.args {
            bytes.extend_from_slice(&a.to_le_bytes());
        }
        let o = offset as usize;
        assert!(o % 4 == 0 && o + 4 <= bytes.len(), "load at {o} is outside seccomp_data");
        u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]])
    }
}

/// The program's return value for `data`.
pub fn run(prog: &[SockFilter], data: &Data) -> u32 {
    assert!(!prog.is_empty() && prog.len() <= 4096, "program of {} instructions", prog.len());
    let (mut pc, mut a) = (0usize, 0u32);
    loop {
        let i = *prog.get(pc).unwrap_or_else(|| panic!("ran off the end at {pc}"));
        let mut next = pc + 1;
        match i.code {
            LD_W_ABS => a = data.word(i.k),
            AND_K => a &= i.k,
            RET_K => return i.k,
            JA => next += i.k as usize,
            JEQ_K | JGT_K | JGE_K => {
                let taken = match i.code {
                    JEQ_K => a == i.k,
                    JGT_K => a > i.k,
                    _ => a >= i.k,
                };
                next += if taken { i.jt } else { i.jf } as usize;
            }
            other => panic!("opcode {other:#x} at {pc}"),
        }
        assert!(next < prog.len(), "jump from {pc} leaves the program");
        pc = next;
    }
}

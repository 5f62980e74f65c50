//! bpf(2): loading a cgroup device program and attaching it to, querying and detaching it from
//! a cgroup v2 directory.
//!
//! Each command gets its own `#[repr(C)]` prefix of `union bpf_attr` holding only the fields it
//! uses; [`bpf`] passes it zero-padded beyond the size of the whole union. The layouts and
//! constants are those of include/uapi/linux/bpf.h.

use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use super::{check, owned_fd, Errno, SysResult};

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_DETACH: libc::c_long = 9;
const BPF_PROG_GET_FD_BY_ID: libc::c_long = 13;
const BPF_OBJ_GET_INFO_BY_FD: libc::c_long = 15;
const BPF_PROG_QUERY: libc::c_long = 16;

const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;

/// Several programs may be attached to the cgroup; a device access needs all of them to allow it.
pub const BPF_F_ALLOW_MULTI: u32 = 2;

/// BPF_OBJ_NAME_LEN: names are at most 15 bytes plus the NUL.
const OBJ_NAME_LEN: usize = 16;

/// Room for the tail of a verifier log: since 6.4 the kernel keeps the last bytes when the log
/// overflows, and the reason for a rejection is at the end.
const VERIFIER_LOG_SIZE: usize = 16 * 1024;

/// One instruction (struct bpf_insn).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u8,
    /// dst_reg in the low nibble, src_reg in the high nibble.
    pub regs: u8,
    pub off: i16,
    pub imm: i32,
}

// Instruction classes, operations and operand sources (the opcode is their bitwise or).
pub const BPF_LDX: u8 = 0x01;
pub const BPF_ALU: u8 = 0x04;
pub const BPF_JMP: u8 = 0x05;
pub const BPF_JMP32: u8 = 0x06;
pub const BPF_ALU64: u8 = 0x07;
pub const BPF_W: u8 = 0x00;
pub const BPF_MEM: u8 = 0x60;
pub const BPF_K: u8 = 0x00;
pub const BPF_X: u8 = 0x08;
pub const BPF_AND: u8 = 0x50;
pub const BPF_RSH: u8 = 0x70;
pub const BPF_MOV: u8 = 0xb0;
pub const BPF_JA: u8 = 0x00;
pub const BPF_JEQ: u8 = 0x10;
pub const BPF_JSET: u8 = 0x40;
pub const BPF_JNE: u8 = 0x50;
pub const BPF_EXIT: u8 = 0x90;

impl Insn {
    pub const fn new(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
        Insn { code, regs: (src << 4) | (dst & 0x0f), off, imm }
    }

    pub const fn dst(self) -> u8 {
        self.regs & 0x0f
    }

    pub const fn src(self) -> u8 {
        self.regs >> 4
    }

    /// `dst = *(u32 *)(src + off)`
    pub const fn load_u32(dst: u8, src: u8, off: i16) -> Insn {
        Insn::new(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
    }

    /// `dst = imm` on the whole 64-bit register (imm sign-extended).
    pub const fn mov64_imm(dst: u8, imm: i32) -> Insn {
        Insn::new(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
    }

    /// `wdst = wsrc`, zeroing the upper half.
    pub const fn mov32_reg(dst: u8, src: u8) -> Insn {
        Insn::new(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
    }

    /// `wdst op= imm` for a 32-bit ALU operation (BPF_AND, BPF_RSH, ...).
    pub const fn alu32_imm(op: u8, dst: u8, imm: i32) -> Insn {
        Insn::new(BPF_ALU | op | BPF_K, dst, 0, 0, imm)
    }

    /// `if (wdst op imm) goto +off` comparing the low 32 bits, so an immediate above i32::MAX
    /// still compares as the u32 it stands for.
    pub const fn jmp32_imm(op: u8, dst: u8, imm: i32, off: i16) -> Insn {
        Insn::new(BPF_JMP32 | op | BPF_K, dst, 0, off, imm)
    }

    pub const fn exit() -> Insn {
        Insn::new(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
    }
}

/// A program the kernel refused, with the verifier's explanation when it gave one.
#[derive(Debug, thiserror::Error)]
#[error("BPF_PROG_LOAD: {errno}")]
pub struct LoadError {
    #[source]
    pub errno: Errno,
    /// The tail of the verifier log; empty when the failure came before verification.
    pub log: String,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; OBJ_NAME_LEN],
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct AttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct QueryAttr {
    target_fd: u32,
    attach_type: u32,
    query_flags: u32,
    attach_flags: u32,
    prog_ids: u64,
    prog_cnt: u32,
    _pad: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct GetFdByIdAttr {
    prog_id: u32,
    next_id: u32,
    open_flags: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct InfoByFdAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

/// The head of struct bpf_prog_info, up to the name; the kernel fills only `info_len` bytes.
#[repr(C)]
#[derive(Default)]
struct ProgInfo {
    prog_type: u32,
    id: u32,
    tag: [u8; 8],
    jited_prog_len: u32,
    xlated_prog_len: u32,
    jited_prog_insns: u64,
    xlated_prog_insns: u64,
    load_time: u64,
    created_by_uid: u32,
    nr_map_ids: u32,
    map_ids: u64,
    name: [u8; OBJ_NAME_LEN],
}

/// An attr followed by zeros. Some commands write fields back without looking at the size they
/// were given (recent kernels store BPF_PROG_QUERY's `query.revision` at offset 56), so the
/// buffer must be at least as large as the kernel's union (under 200 bytes in 6.x); zeros past
/// the kernel's own size are accepted. Bytes rather than words, so that no uninitialised
/// padding sits between the attr and the zeros (the attrs themselves have none).
#[repr(C)]
struct Padded<T> {
    attr: T,
    zero: [u8; PAD],
}

const PAD: usize = 256;

/// The raw call; `attr` is updated with whatever the kernel wrote back.
fn bpf<T: Copy>(cmd: libc::c_long, attr: &mut T) -> SysResult<libc::c_long> {
    let mut padded = Padded { attr: *attr, zero: [0; PAD] };
    // SAFETY: padded is a live #[repr(C)] prefix of union bpf_attr followed by zeros, and the
    // size passed is exactly its size. Pointers stored inside attr are the callers' concern:
    // each points into a buffer that outlives this call.
    let ret = check(unsafe {
        libc::syscall(libc::SYS_bpf, cmd, &mut padded as *mut Padded<T>, std::mem::size_of::<Padded<T>>())
    });
    *attr = padded.attr;
    ret
}

fn fd_u32(fd: BorrowedFd<'_>) -> u32 {
    // A live descriptor is never negative.
    fd.as_raw_fd() as u32
}

fn name_bytes(name: &str) -> [u8; OBJ_NAME_LEN] {
    let mut out = [0; OBJ_NAME_LEN];
    for (o, b) in out.iter_mut().zip(name.bytes().take(OBJ_NAME_LEN - 1)) {
        *o = b;
    }
    out
}

/// Loads a BPF_PROG_TYPE_CGROUP_DEVICE program named `name` (at most 15 bytes of
/// [A-Za-z0-9_.], kept for recognising it later with [`prog_name`]). On a rejection the load
/// is repeated with a log buffer, so the error carries the verifier's reason.
pub fn prog_load_cgroup_device(insns: &[Insn], license: &CStr, name: &str) -> Result<OwnedFd, LoadError> {
    let insn_cnt = u32::try_from(insns.len()).map_err(|_| LoadError { errno: Errno::E2BIG, log: String::new() })?;
    let mut attr = ProgLoadAttr {
        prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
        insn_cnt,
        insns: insns.as_ptr() as u64,
        license: license.as_ptr() as u64,
        prog_name: name_bytes(name),
        ..Default::default()
    };
    let errno = match bpf(BPF_PROG_LOAD, &mut attr).and_then(owned_fd) {
        Ok(fd) => return Ok(fd),
        Err(errno) => errno,
    };
    let mut log = vec![0u8; VERIFIER_LOG_SIZE];
    attr.log_level = 1;
    attr.log_size = VERIFIER_LOG_SIZE as u32;
    attr.log_buf = log.as_mut_ptr() as u64;
    // Whatever this second attempt returns, the first errno is the one to report; a success
    // here (the failure was transient) is still a program we can use.
    if let Ok(fd) = bpf(BPF_PROG_LOAD, &mut attr).and_then(owned_fd) {
        return Ok(fd);
    }
    let len = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    Err(LoadError { errno, log: String::from_utf8_lossy(&log[..len]).trim_end().to_string() })
}

fn attach_attr(cgroup: BorrowedFd<'_>, prog: BorrowedFd<'_>, flags: u32) -> AttachAttr {
    AttachAttr {
        target_fd: fd_u32(cgroup),
        attach_bpf_fd: fd_u32(prog),
        attach_type: BPF_CGROUP_DEVICE,
        attach_flags: flags,
    }
}

/// Attaches a device program to a cgroup v2 directory (opened O_RDONLY, not O_PATH).
pub fn prog_attach(cgroup: BorrowedFd<'_>, prog: BorrowedFd<'_>, flags: u32) -> SysResult<()> {
    bpf(BPF_PROG_ATTACH, &mut attach_attr(cgroup, prog, flags)).map(drop)
}

/// Detaches one device program; with several attached, the kernel needs to be told which.
pub fn prog_detach(cgroup: BorrowedFd<'_>, prog: BorrowedFd<'_>) -> SysResult<()> {
    bpf(BPF_PROG_DETACH, &mut attach_attr(cgroup, prog, 0)).map(drop)
}

/// The ids of the device programs attached to this cgroup itself (not those inherited).
pub fn prog_query(cgroup: BorrowedFd<'_>) -> SysResult<Vec<u32>> {
    let mut ids: Vec<u32> = Vec::new();
    loop {
        let mut attr = QueryAttr {
            target_fd: fd_u32(cgroup),
            attach_type: BPF_CGROUP_DEVICE,
            prog_ids: if ids.is_empty() { 0 } else { ids.as_mut_ptr() as u64 },
            prog_cnt: ids.len() as u32,
            ..Default::default()
        };
        match bpf(BPF_PROG_QUERY, &mut attr) {
            // Without a buffer the kernel only reports the count; ENOSPC means programs were
            // attached between the two calls and the count is the new one.
            Ok(_) if !ids.is_empty() || attr.prog_cnt == 0 => {
                ids.truncate(attr.prog_cnt as usize);
                return Ok(ids);
            }
            Ok(_) | Err(Errno::ENOSPC) => ids.resize(attr.prog_cnt as usize, 0),
            Err(e) => return Err(e),
        }
    }
}

/// A descriptor for the program with this id (needs CAP_SYS_ADMIN).
pub fn prog_get_fd_by_id(id: u32) -> SysResult<OwnedFd> {
    bpf(BPF_PROG_GET_FD_BY_ID, &mut GetFdByIdAttr { prog_id: id, ..Default::default() }).and_then(owned_fd)
}

/// The name the program was loaded with.
pub fn prog_name(prog: BorrowedFd<'_>) -> SysResult<String> {
    let mut info = ProgInfo::default();
    let mut attr = InfoByFdAttr {
        bpf_fd: fd_u32(prog),
        info_len: std::mem::size_of::<ProgInfo>() as u32,
        info: &mut info as *mut ProgInfo as u64,
    };
    bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr)?;
    let len = info.name.iter().position(|&b| b == 0).unwrap_or(OBJ_NAME_LEN);
    Ok(String::from_utf8_lossy(&info.name[..len]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_layouts_match_the_kernel_offsets() {
        assert_eq!(std::mem::size_of::<Insn>(), 8);
        assert_eq!(std::mem::offset_of!(ProgLoadAttr, log_buf), 32);
        assert_eq!(std::mem::offset_of!(ProgLoadAttr, prog_name), 48);
        assert_eq!(std::mem::offset_of!(QueryAttr, prog_ids), 16);
        assert_eq!(std::mem::offset_of!(QueryAttr, prog_cnt), 24);
        assert_eq!(std::mem::offset_of!(ProgInfo, name), 64);
    }

    #[test]
    fn attrs_have_no_padding_before_the_zeros() {
        fn unpadded<T>(fields: usize) {
            assert_eq!(std::mem::size_of::<T>(), fields);
            assert_eq!(std::mem::size_of::<Padded<T>>(), fields + PAD);
        }
        unpadded::<ProgLoadAttr>(64);
        unpadded::<AttachAttr>(16);
        unpadded::<QueryAttr>(32);
        unpadded::<GetFdByIdAttr>(12);
        unpadded::<InfoByFdAttr>(16);
    }

    #[test]
    fn registers_pack_dst_low_and_src_high() {
        let insn = Insn::load_u32(2, 1, 4);
        assert_eq!(insn.regs, 0x12);
        assert_eq!((insn.dst(), insn.src()), (2, 1));
    }

    #[test]
    fn names_are_cut_to_fifteen_bytes_and_nul_terminated() {
        assert_eq!(&name_bytes("ocirun_devices")[..15], b"ocirun_devices\0");
        assert_eq!(name_bytes("0123456789abcdefgh")[15], 0);
    }
}

//! The mount syscalls: the new descriptor-based API (fsopen, fsmount, open_tree, move_mount,
//! mount_setattr), which lets ocirun build a mount completely before attaching it to a target it
//! holds open, and the classic mount(2), umount2(2) and pivot_root(2).

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;

use super::{check, check_int, cpath, cstr, owned_fd, Errno, SysResult};

pub const MOUNT_ATTR_RDONLY: u64 = 0x0000_0001;
pub const MOUNT_ATTR_NOSUID: u64 = 0x0000_0002;
pub const MOUNT_ATTR_NODEV: u64 = 0x0000_0004;
pub const MOUNT_ATTR_NOEXEC: u64 = 0x0000_0008;
pub const MOUNT_ATTR__ATIME: u64 = 0x0000_0070;
pub const MOUNT_ATTR_RELATIME: u64 = 0x0000_0000;
pub const MOUNT_ATTR_NOATIME: u64 = 0x0000_0010;
pub const MOUNT_ATTR_STRICTATIME: u64 = 0x0000_0020;
pub const MOUNT_ATTR_NODIRATIME: u64 = 0x0000_0080;
pub const MOUNT_ATTR_NOSYMFOLLOW: u64 = 0x0020_0000;
const MOUNT_ATTR_IDMAP: u64 = 0x0010_0000;

const FSOPEN_CLOEXEC: u32 = 0x1;
const FSMOUNT_CLOEXEC: u32 = 0x1;
const FSCONFIG_SET_FLAG: u32 = 0;
const FSCONFIG_SET_STRING: u32 = 1;
const FSCONFIG_CMD_CREATE: u32 = 6;
pub const OPEN_TREE_CLONE: u32 = 1;
const MOVE_MOUNT_F_EMPTY_PATH: u32 = 0x4;
const MOVE_MOUNT_T_EMPTY_PATH: u32 = 0x40;

/// What mount_setattr(2) changes: attributes to set and clear, and the propagation type.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MountAttr {
    pub attr_set: u64,
    pub attr_clr: u64,
    pub propagation: u64,
}

#[repr(C)]
struct RawMountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// fsopen(2): a new filesystem context of type `fstype`.
pub fn fsopen(fstype: &str) -> SysResult<OwnedFd> {
    let c = cstr(fstype)?;
    // SAFETY: c is valid for the call.
    owned_fd(unsafe { libc::syscall(libc::SYS_fsopen, c.as_ptr(), FSOPEN_CLOEXEC) })
}

/// fsconfig(FSCONFIG_SET_FLAG): a parameter without a value ("newinstance").
pub fn fsconfig_flag(fs: BorrowedFd<'_>, key: &str) -> SysResult<()> {
    let k = cstr(key)?;
    // SAFETY: k is valid for the call; value and aux are unused for this command.
    check(unsafe {
        libc::syscall(libc::SYS_fsconfig, fs.as_raw_fd(), FSCONFIG_SET_FLAG, k.as_ptr(), std::ptr::null::<u8>(), 0)
    })
    .map(drop)
}

/// fsconfig(FSCONFIG_SET_STRING): a parameter with a value ("size" = "65536k").
pub fn fsconfig_string(fs: BorrowedFd<'_>, key: &str, value: &str) -> SysResult<()> {
    let k = cstr(key)?;
    let v = cstr(value)?;
    // SAFETY: k and v are valid for the call.
    check(unsafe { libc::syscall(libc::SYS_fsconfig, fs.as_raw_fd(), FSCONFIG_SET_STRING, k.as_ptr(), v.as_ptr(), 0) })
        .map(drop)
}

/// fsconfig(FSCONFIG_CMD_CREATE): creates the superblock from the parameters given so far.
pub fn fsconfig_create(fs: BorrowedFd<'_>) -> SysResult<()> {
    // SAFETY: no pointers are passed for this command.
    check(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            FSCONFIG_CMD_CREATE,
            std::ptr::null::<u8>(),
            std::ptr::null::<u8>(),
            0,
        )
    })
    .map(drop)
}

/// fsmount(2): a detached mount of the created superblock with MOUNT_ATTR_* flags.
pub fn fsmount(fs: BorrowedFd<'_>, attr_flags: u64) -> SysResult<OwnedFd> {
    // SAFETY: only integers are passed.
    owned_fd(unsafe { libc::syscall(libc::SYS_fsmount, fs.as_raw_fd(), FSMOUNT_CLOEXEC, attr_flags as u32) })
}

/// The messages a filesystem left in its context log (why fsconfig failed), if any.
pub fn fs_context_log(fs: BorrowedFd<'_>) -> Option<String> {
    let mut messages = Vec::new();
    let mut buf = [0u8; 512];
    while let Ok(n) = super::fs::read(fs, &mut buf) {
        if n == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buf[..n]);
        // Each message starts with "e ", "w " or "i " (error, warning, info).
        let text = line.get(2..).unwrap_or("").trim().to_string();
        if !text.is_empty() {
            messages.push(text);
        }
    }
    (!messages.is_empty()).then(|| messages.join("; "))
}

/// open_tree(2): with OPEN_TREE_CLONE, a detached copy of the mount at `path` (relative to `dir`;
/// an empty path means `dir` itself). `recursive` adds AT_RECURSIVE (an rbind).
pub fn open_tree_clone(dir: BorrowedFd<'_>, recursive: bool) -> SysResult<OwnedFd> {
    let mut flags = OPEN_TREE_CLONE | libc::O_CLOEXEC as u32 | libc::AT_EMPTY_PATH as u32;
    if recursive {
        flags |= libc::AT_RECURSIVE as u32;
    }
    // SAFETY: the empty path is a valid C string; AT_EMPTY_PATH makes it refer to `dir`.
    owned_fd(unsafe { libc::syscall(libc::SYS_open_tree, dir.as_raw_fd(), c"".as_ptr(), flags) })
}

/// open_tree(2) on a path, cloning the mount found there.
pub fn open_tree_clone_path(path: &Path, recursive: bool) -> SysResult<OwnedFd> {
    let c = cpath(path)?;
    let mut flags = OPEN_TREE_CLONE | libc::O_CLOEXEC as u32;
    if recursive {
        flags |= libc::AT_RECURSIVE as u32;
    }
    // SAFETY: c is valid for the call.
    owned_fd(unsafe { libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, c.as_ptr(), flags) })
}

/// move_mount(2) from a mount descriptor onto the file or directory `to` refers to.
pub fn move_mount(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> SysResult<()> {
    // SAFETY: both paths are empty strings; the descriptors name source and target.
    check(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            from.as_raw_fd(),
            c"".as_ptr(),
            to.as_raw_fd(),
            c"".as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH,
        )
    })
    .map(drop)
}

/// mount_setattr(2) on the mount `fd` refers to; `recursive` applies it to the whole subtree.
pub fn mount_setattr(fd: BorrowedFd<'_>, recursive: bool, attr: MountAttr) -> SysResult<()> {
    let raw =
        RawMountAttr { attr_set: attr.attr_set, attr_clr: attr.attr_clr, propagation: attr.propagation, userns_fd: 0 };
    setattr_fd(fd, recursive, &raw)
}

/// Makes the detached mount `fd` an idmapped one, translating ids as the user namespace
/// `userns` maps them; `recursive` idmaps every mount of the subtree.
pub fn mount_setattr_idmap(fd: BorrowedFd<'_>, recursive: bool, userns: BorrowedFd<'_>) -> SysResult<()> {
    let raw =
        RawMountAttr { attr_set: MOUNT_ATTR_IDMAP, attr_clr: 0, propagation: 0, userns_fd: userns.as_raw_fd() as u64 };
    setattr_fd(fd, recursive, &raw)
}

fn setattr_fd(fd: BorrowedFd<'_>, recursive: bool, raw: &RawMountAttr) -> SysResult<()> {
    let mut flags = libc::AT_EMPTY_PATH as u32;
    if recursive {
        flags |= libc::AT_RECURSIVE as u32;
    }
    // SAFETY: raw lives for the call and its size is passed; the path is empty (AT_EMPTY_PATH).
    check(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            c"".as_ptr(),
            flags,
            raw as *const RawMountAttr,
            std::mem::size_of::<RawMountAttr>(),
        )
    })
    .map(drop)
}

/// mount_setattr(2) on a path.
pub fn mount_setattr_path(path: &Path, recursive: bool, attr: MountAttr) -> SysResult<()> {
    let c = cpath(path)?;
    let raw =
        RawMountAttr { attr_set: attr.attr_set, attr_clr: attr.attr_clr, propagation: attr.propagation, userns_fd: 0 };
    let flags = if recursive { libc::AT_RECURSIVE as u32 } else { 0 };
    // SAFETY: c and raw live for the call.
    check(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            c.as_ptr(),
            flags,
            &raw as *const RawMountAttr,
            std::mem::size_of::<RawMountAttr>(),
        )
    })
    .map(drop)
}

/// mount(2).
pub fn mount(
    source: Option<&Path>,
    target: &Path,
    fstype: Option<&str>,
    flags: u64,
    data: Option<&str>,
) -> SysResult<()> {
    let src = source.map(cpath).transpose()?;
    let tgt = cpath(target)?;
    let ty = fstype.map(cstr).transpose()?;
    let dat = data.map(cstr).transpose()?;
    // SAFETY: every pointer is either null or a valid C string living for the call.
    check_int(unsafe {
        libc::mount(
            src.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            tgt.as_ptr(),
            ty.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            flags as libc::c_ulong,
            dat.as_ref().map_or(std::ptr::null(), |s| s.as_ptr().cast()),
        )
    })
    .map(drop)
}

pub fn umount2(target: &Path, flags: i32) -> SysResult<()> {
    let c = cpath(target)?;
    // SAFETY: c is valid for the call.
    check_int(unsafe { libc::umount2(c.as_ptr(), flags) }).map(drop)
}

pub fn pivot_root(new_root: &Path, put_old: &Path) -> SysResult<()> {
    let n = cpath(new_root)?;
    let o = cpath(put_old)?;
    // SAFETY: both strings are valid for the call.
    check(unsafe { libc::syscall(libc::SYS_pivot_root, n.as_ptr(), o.as_ptr()) }).map(drop)
}

pub fn chroot(path: &Path) -> SysResult<()> {
    let c = cpath(path)?;
    // SAFETY: c is valid for the call.
    check_int(unsafe { libc::chroot(c.as_ptr()) }).map(drop)
}

pub fn fchdir(fd: BorrowedFd<'_>) -> SysResult<()> {
    // SAFETY: fchdir only reads the descriptor number.
    check_int(unsafe { libc::fchdir(fd.as_raw_fd()) }).map(drop)
}

pub fn chdir(path: &Path) -> SysResult<()> {
    let c = cpath(path)?;
    // SAFETY: c is valid for the call.
    check_int(unsafe { libc::chdir(c.as_ptr()) }).map(drop)
}

/// Whether the kernel knows the new mount API (it does from 5.2; mount_setattr from 5.12).
pub fn errno_is_missing_syscall(e: Errno) -> bool {
    e == Errno::ENOSYS
}

//! Paths inside the container's root, resolved so that they never leave it.
//!
//! Lookups use openat2(RESOLVE_IN_ROOT): the kernel treats the root descriptor as "/" for every
//! component, absolute symlinks and ".." included. Creating missing directories walks the path
//! one component at a time from the root (the way runc's SecureJoin does), following symlinks
//! by restarting from the root descriptor, so a symlink pointing at "/" or "../../.." lands
//! inside the root, never on the host. Callers get descriptors, and mount through them, so
//! nothing is looked up twice.

use std::ffi::OsString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};

use crate::sys::fs::{self as sysfs, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS};
use crate::sys::{Errno, SysResult};

/// Symlinks followed in one resolution before giving up, as the kernel's own limit.
const MAX_SYMLINKS: usize = 40;

/// The container's root directory, held open.
#[derive(Debug)]
pub struct RootDir {
    fd: OwnedFd,
    path: PathBuf,
}

/// What to create at the end of a path that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    Nothing,
    Directory,
    File,
}

impl RootDir {
    pub fn open(path: &Path) -> SysResult<RootDir> {
        let fd = sysfs::openat(None, path, libc::O_PATH | libc::O_DIRECTORY, 0)?;
        Ok(RootDir { fd, path: path.to_path_buf() })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens `path` (read as a path inside the container) with `flags`.
    pub fn open_in(&self, path: &Path, flags: i32) -> SysResult<OwnedFd> {
        let rel = relative(path);
        match sysfs::openat2(Some(self.fd()), &rel, flags, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) {
            Err(Errno::ENOSYS) => self.walk(path, Create::Nothing, flags),
            other => other,
        }
    }

    /// Opens `path` as O_PATH, creating what is missing: parent directories, then the last
    /// component as `create` says.
    pub fn open_or_create(&self, path: &Path, create: Create) -> SysResult<OwnedFd> {
        match self.open_in(path, libc::O_PATH) {
            Err(Errno::ENOENT) if create != Create::Nothing => self.walk(path, create, libc::O_PATH),
            other => other,
        }
    }

    /// The directory that holds `path` (created if missing) and the last component's name.
    pub fn parent_of(&self, path: &Path) -> SysResult<(OwnedFd, OsString)> {
        let clean = clean(path);
        let name = clean.file_name().ok_or(Errno::EINVAL)?.to_os_string();
        let parent = clean.parent().unwrap_or(Path::new("/"));
        let dir = self.open_or_create(parent, Create::Directory)?;
        Ok((dir, name))
    }

    /// The path of a descriptor relative to this root ("/dev/pts"), from the kernel's record
    /// of where it points: a path free of symlinks.
    pub fn path_of(&self, fd: BorrowedFd<'_>) -> SysResult<PathBuf> {
        let target = sysfs::fd_target(fd)?;
        let root = sysfs::fd_target(self.fd())?;
        match target.strip_prefix(&root) {
            Ok(rel) => Ok(Path::new("/").join(rel)),
            Err(_) => Err(Errno::EXDEV),
        }
    }

    /// Component-wise walk from the root. Every step opens one name with O_NOFOLLOW relative to
    /// the directory reached so far; symlinks are read and their targets walked from the root
    /// (absolute) or from the current directory (relative), so the walk cannot leave the root.
    fn walk(&self, path: &Path, create: Create, final_flags: i32) -> SysResult<OwnedFd> {
        let mut pending: Vec<OsString> = components(path).into_iter().rev().collect();
        // The directories walked so far, root first, so that ".." can step back.
        let mut stack: Vec<OwnedFd> = vec![self.fd.try_clone().map_err(|_| Errno::EMFILE)?];
        let mut links = 0;
        while let Some(name) = pending.pop() {
            let last = pending.is_empty();
            if name == ".." {
                if stack.len() > 1 {
                    stack.pop();
                }
                continue;
            }
            let dir = stack.last().ok_or(Errno::EINVAL)?.as_fd();
            let st = match sysfs::fstatat(Some(dir), Path::new(&name), libc::AT_SYMLINK_NOFOLLOW) {
                Ok(st) => st,
                Err(Errno::ENOENT) if create != Create::Nothing => {
                    make(dir, &name, if last { create } else { Create::Directory })?;
                    sysfs::fstatat(Some(dir), Path::new(&name), libc::AT_SYMLINK_NOFOLLOW)?
                }
                Err(e) => return Err(e),
            };
            if st.st_mode & libc::S_IFMT == libc::S_IFLNK {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(Errno::ELOOP);
                }
                let target = sysfs::readlinkat(Some(dir), Path::new(&name))?;
                if target.is_absolute() {
                    stack.truncate(1);
                }
                pending.extend(components(&target).into_iter().rev());
                continue;
            }
            let flags =
                if last { final_flags | libc::O_NOFOLLOW } else { libc::O_PATH | libc::O_NOFOLLOW | libc::O_DIRECTORY };
            let fd = sysfs::openat(Some(dir), Path::new(&name), flags, 0)?;
            stack.push(fd);
        }
        stack.pop().ok_or(Errno::EINVAL)
    }
}

fn make(dir: BorrowedFd<'_>, name: &OsString, what: Create) -> SysResult<()> {
    let res = match what {
        Create::Directory => sysfs::mkdirat(Some(dir), Path::new(name), 0o755),
        Create::File => sysfs::openat(
            Some(dir),
            Path::new(name),
            libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_NOFOLLOW,
            0o644,
        )
        .map(drop),
        Create::Nothing => Err(Errno::ENOENT),
    };
    match res {
        // Another creator won the race; the fstatat that follows sees what it made.
        Err(Errno::EEXIST) => Ok(()),
        other => other,
    }
}

/// The path with ".", empty and leading "/" components removed; ".." kept for the walk.
fn components(path: &Path) -> Vec<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

/// A container path as a relative path for openat2 ("/etc/hosts" -> "etc/hosts"; "/" -> ".").
fn relative(path: &Path) -> PathBuf {
    let rel: PathBuf = path.components().filter(|c| !matches!(c, Component::RootDir | Component::Prefix(_))).collect();
    if rel.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        rel
    }
}

/// Lexically cleans an absolute container path: "a/../b" -> "/b", never above "/".
pub fn clean(path: &Path) -> PathBuf {
    let mut out: Vec<OsString> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n.to_os_string()),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    let mut p = PathBuf::from("/");
    for c in out {
        p.push(c);
    }
    p
}

/// True when `path` is `dir` or lies below it (both clean and absolute).
pub fn is_within(path: &Path, dir: &Path) -> bool {
    path.starts_with(dir)
}

/// Bytes of a path, for messages that must not be lossy.
pub fn display(path: &Path) -> String {
    String::from_utf8_lossy(path.as_os_str().as_bytes()).into_owned()
}

/// A path from raw bytes.
pub fn from_bytes(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(OsString::from_vec(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ocirun-resolve-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("root")).expect("mkdir");
        dir
    }

    #[test]
    fn an_absolute_symlink_resolves_inside_the_root() {
        let dir = scratch("abs");
        let root = dir.join("root");
        std::fs::create_dir_all(root.join("etc")).expect("mkdir");
        symlink("/etc", root.join("link")).expect("symlink");
        let r = RootDir::open(&root).expect("open root");
        let fd = r.open_in(Path::new("/link"), libc::O_PATH).expect("open");
        assert_eq!(r.path_of(fd.as_fd()).expect("path"), PathBuf::from("/etc"));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn dot_dot_cannot_climb_above_the_root() {
        let dir = scratch("dotdot");
        let root = dir.join("root");
        symlink("../../../../..", root.join("up")).expect("symlink");
        let r = RootDir::open(&root).expect("open root");
        let fd = r.open_in(Path::new("/up"), libc::O_PATH).expect("open");
        assert_eq!(r.path_of(fd.as_fd()).expect("path"), PathBuf::from("/"));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn creating_through_a_dangling_symlink_to_the_host_root_stays_inside() {
        let dir = scratch("create");
        let root = dir.join("root");
        symlink("/tmp/ocirun-should-not-exist-on-host", root.join("evil")).expect("symlink");
        let r = RootDir::open(&root).expect("open root");
        let fd = r.open_or_create(Path::new("/evil/sub"), Create::Directory).expect("create");
        assert_eq!(r.path_of(fd.as_fd()).expect("path"), PathBuf::from("/tmp/ocirun-should-not-exist-on-host/sub"));
        assert!(root.join("tmp/ocirun-should-not-exist-on-host/sub").is_dir());
        assert!(!Path::new("/tmp/ocirun-should-not-exist-on-host").exists());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_walk_alone_also_stays_inside() {
        let dir = scratch("walk");
        let root = dir.join("root");
        symlink("/", root.join("slash")).expect("symlink");
        let r = RootDir::open(&root).expect("open root");
        let fd = r.walk(Path::new("/slash/../slash/new/file"), Create::File, libc::O_PATH).expect("walk");
        assert_eq!(r.path_of(fd.as_fd()).expect("path"), PathBuf::from("/new/file"));
        assert!(root.join("new/file").is_file());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn clean_never_goes_above_root() {
        assert_eq!(clean(Path::new("/../a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(clean(Path::new("relative/x")), PathBuf::from("/relative/x"));
    }
}

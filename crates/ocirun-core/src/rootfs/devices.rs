//! Device nodes (the spec's default devices and linux.devices) and the /dev links.

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use super::resolve::{self, RootDir};
use super::RootfsError;
use crate::spec::Device;
use crate::sys::{fs as sysfs, mount, Errno};

/// A device node to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub path: PathBuf,
    /// S_IFCHR, S_IFBLK or S_IFIFO.
    pub kind: u32,
    pub major: u64,
    pub minor: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// The devices every container gets (config-linux.md, "Default Devices").
pub fn default_nodes() -> Vec<Node> {
    [
        ("/dev/null", 1, 3),
        ("/dev/zero", 1, 5),
        ("/dev/full", 1, 7),
        ("/dev/random", 1, 8),
        ("/dev/urandom", 1, 9),
        ("/dev/tty", 5, 0),
    ]
    .iter()
    .map(|&(p, major, minor)| Node { path: p.into(), kind: libc::S_IFCHR, major, minor, mode: 0o666, uid: 0, gid: 0 })
    .collect()
}

impl Node {
    pub fn from_spec(d: &Device) -> Node {
        let kind = match d.kind.as_str() {
            "b" => libc::S_IFBLK,
            "p" => libc::S_IFIFO,
            // "c" and "u" (unbuffered character device) are both character devices.
            _ => libc::S_IFCHR,
        };
        Node {
            path: resolve::clean(Path::new(&d.path)),
            kind,
            major: d.major.max(0) as u64,
            minor: d.minor.max(0) as u64,
            mode: d.file_mode.unwrap_or(0o666) & 0o7777,
            uid: d.uid.unwrap_or(0),
            gid: d.gid.unwrap_or(0),
        }
    }
}

/// The default devices (unless /dev is a bind mount of the host's) and linux.devices, a
/// configured device replacing a default one at the same path. In a user namespace of its own
/// the container cannot make device nodes (mknod needs CAP_MKNOD over the initial namespace),
/// so, as runc does, each one is the host's node at the same path, bind-mounted.
pub fn create_devices(
    root: &RootDir,
    devices: &[Device],
    with_defaults: bool,
    bind_from_host: bool,
) -> Result<(), RootfsError> {
    let configured: Vec<Node> = devices.iter().map(Node::from_spec).collect();
    let mut nodes: Vec<Node> = if with_defaults { default_nodes() } else { Vec::new() };
    nodes.retain(|d| !configured.iter().any(|c| c.path == d.path));
    nodes.extend(configured);
    for node in &nodes {
        if bind_from_host {
            bind_node(root, node)?;
        } else {
            create_node(root, node)?;
        }
    }
    Ok(())
}

/// True when `st` is the node `node` describes (a FIFO has no device number).
fn is_node(st: &libc::stat, node: &Node) -> bool {
    st.st_mode & libc::S_IFMT == node.kind
        && (node.kind == libc::S_IFIFO || st.st_rdev == sysfs::makedev(node.major, node.minor))
}

fn create_node(root: &RootDir, node: &Node) -> Result<(), RootfsError> {
    let path = resolve::display(&node.path);
    let err = |errno| RootfsError::Device { path: path.clone(), errno };
    let (dir, name) = root.parent_of(&node.path).map_err(err)?;
    let name = Path::new(&name);
    let dev = sysfs::makedev(node.major, node.minor);
    match sysfs::fstatat(Some(dir.as_fd()), name, libc::AT_SYMLINK_NOFOLLOW) {
        Ok(st) if !is_node(&st, node) => return Err(RootfsError::DeviceMismatch { path }),
        Ok(_) => {}
        Err(Errno::ENOENT) => sysfs::mknodat(Some(dir.as_fd()), name, node.kind | node.mode, dev).map_err(err)?,
        Err(e) => return Err(err(e)),
    }
    let fd = sysfs::openat(Some(dir.as_fd()), name, libc::O_PATH | libc::O_NOFOLLOW, 0).map_err(err)?;
    sysfs::fchown_fd(fd.as_fd(), node.uid, node.gid).map_err(err)
}

/// The host's node at the node's path, checked to be that device, bind-mounted onto an empty
/// file in the container (made without following symlinks). Its owner and mode stay the
/// host's: changing them would change the host's node.
fn bind_node(root: &RootDir, node: &Node) -> Result<(), RootfsError> {
    let path = resolve::display(&node.path);
    let err = |errno| RootfsError::Device { path: path.clone(), errno };
    let host = sysfs::openat(None, &node.path, libc::O_PATH | libc::O_NOFOLLOW, 0).map_err(err)?;
    if !is_node(&sysfs::fstat(host.as_fd()).map_err(err)?, node) {
        return Err(RootfsError::DeviceMismatch { path });
    }
    let (dir, name) = root.parent_of(&node.path).map_err(err)?;
    let name = Path::new(&name);
    match sysfs::fstatat(Some(dir.as_fd()), name, libc::AT_SYMLINK_NOFOLLOW) {
        Ok(st) if is_node(&st, node) => return Ok(()),
        Ok(st) if st.st_mode & libc::S_IFMT != libc::S_IFREG => return Err(RootfsError::DeviceMismatch { path }),
        Ok(_) => {}
        Err(Errno::ENOENT) => sysfs::mknodat(Some(dir.as_fd()), name, libc::S_IFREG | 0o644, 0).map_err(err)?,
        Err(e) => return Err(err(e)),
    }
    let target = sysfs::openat(Some(dir.as_fd()), name, libc::O_PATH | libc::O_NOFOLLOW, 0).map_err(err)?;
    let mnt = mount::open_tree_clone(host.as_fd(), false).map_err(err)?;
    mount::move_mount(mnt.as_fd(), target.as_fd()).map_err(err)
}

/// /dev/fd, /dev/stdin, /dev/stdout and /dev/stderr, when the container has a /proc for them
/// to point into; a file already there is left alone.
pub fn create_dev_links(root: &RootDir, has_proc: bool) -> Result<(), RootfsError> {
    if !has_proc {
        return Ok(());
    }
    for (target, link) in [
        ("/proc/self/fd", "/dev/fd"),
        ("/proc/self/fd/0", "/dev/stdin"),
        ("/proc/self/fd/1", "/dev/stdout"),
        ("/proc/self/fd/2", "/dev/stderr"),
    ] {
        let err = |errno| RootfsError::Symlink { path: link.to_string(), errno };
        let (dir, name) = root.parent_of(Path::new(link)).map_err(err)?;
        match sysfs::symlinkat(Path::new(target), Some(dir.as_fd()), Path::new(&name)) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(err(e)),
        }
    }
    Ok(())
}

/// /dev/ptmx becomes a link to the container's own devpts instance.
pub fn link_ptmx(root: &RootDir) -> Result<(), RootfsError> {
    let err = |errno| RootfsError::Symlink { path: "/dev/ptmx".into(), errno };
    let (dir, name) = root.parent_of(Path::new("/dev/ptmx")).map_err(err)?;
    let name = Path::new(&name);
    match sysfs::unlinkat(Some(dir.as_fd()), name, 0) {
        Ok(()) | Err(Errno::ENOENT) => {}
        Err(e) => return Err(err(e)),
    }
    sysfs::symlinkat(Path::new("pts/ptmx"), Some(dir.as_fd()), name).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_devices_are_the_six_the_spec_lists() {
        let paths: Vec<PathBuf> = default_nodes().into_iter().map(|n| n.path).collect();
        let want: Vec<PathBuf> = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(paths, want);
    }

    #[test]
    fn a_spec_device_keeps_type_numbers_and_mode() {
        let d = Device {
            kind: "b".into(),
            path: "/dev/sda".into(),
            major: 8,
            minor: 0,
            file_mode: Some(0o660),
            uid: Some(1),
            gid: Some(6),
        };
        let n = Node::from_spec(&d);
        assert_eq!((n.kind, n.major, n.minor, n.mode, n.uid, n.gid), (libc::S_IFBLK, 8, 0, 0o660, 1, 6));
    }
}

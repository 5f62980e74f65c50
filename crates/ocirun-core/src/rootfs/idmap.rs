//! Idmapped bind mounts: the idmap and ridmap options, and uidMappings/gidMappings on a mount.
//!
//! MOUNT_ATTR_IDMAP on a host filesystem needs CAP_SYS_ADMIN over the user namespace that owns
//! its superblock, the host's, which the init no longer has once it is in a user namespace of
//! its own. So stage 0 clones and idmaps these mounts while still in the runtime's namespaces;
//! the init, a clone of stage 0, inherits the detached mounts and attaches them where a plain
//! bind would have been cloned.
//!
//! The kernel takes the mapping as a user namespace: a throwaway child is cloned into a new
//! one, its maps are written, the namespace is held by a descriptor, and the child is killed.

use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use super::mounts::bind_source;
use super::options::MountOptions;
use super::{resolve, RootfsError};
use crate::launcher::id_maps::{map_text, write_proc_file};
use crate::spec::{IdMapping, Linux, Mount, NamespaceType};
use crate::sys::{fs as sysfs, mount, ns, pidfd, process, Errno};

/// The idmapped mounts made ready in stage 0, by position in the list of mounts.
#[derive(Debug, Default)]
pub struct IdmappedMounts(Vec<Option<OwnedFd>>);

impl IdmappedMounts {
    /// The detached, idmapped clone of mount `index`'s source, if that mount is idmapped.
    pub fn take(&mut self, index: usize) -> Option<OwnedFd> {
        self.0.get_mut(index).and_then(Option::take)
    }
}

/// Where a mount's idmapping comes from.
enum Mapping<'a> {
    Ranges { uid: &'a [IdMapping], gid: &'a [IdMapping] },
    JoinedNamespace(&'a str),
}

/// Clones and idmaps the source of every mount that asks for it; the others get `None`.
pub fn prepare<'a>(
    mounts: impl Iterator<Item = &'a Mount>,
    linux: &Linux,
    bundle: &Path,
) -> Result<IdmappedMounts, RootfsError> {
    let mut namespaces = NamespaceCache::default();
    let mut prepared = Vec::new();
    for m in mounts {
        let o = MountOptions::parse(&m.options);
        let wanted = o.idmap || !m.uid_mappings.is_empty() || !m.gid_mappings.is_empty();
        prepared.push(if wanted { Some(idmapped_clone(m, &o, linux, bundle, &mut namespaces)?) } else { None });
    }
    Ok(IdmappedMounts(prepared))
}

fn idmapped_clone(
    m: &Mount,
    o: &MountOptions,
    linux: &Linux,
    bundle: &Path,
    namespaces: &mut NamespaceCache,
) -> Result<OwnedFd, RootfsError> {
    let dst = resolve::display(&resolve::clean(Path::new(&m.destination)));
    let config = |why| RootfsError::IdmapConfig { dst: dst.clone(), why };
    if !(o.bind || m.kind.as_deref() == Some("bind")) {
        return Err(config("only bind mounts can be idmapped (add bind or rbind to its options)"));
    }
    if linux.namespace(NamespaceType::Mount).is_some_and(|n| n.path.is_some()) {
        return Err(config("an idmapped mount cannot be made for a container that joins a mount namespace by path"));
    }
    let mapping = mapping_of(m, linux).map_err(config)?;
    let userns = namespaces.get(&mapping).map_err(|errno| RootfsError::IdmapNamespace { dst: dst.clone(), errno })?;

    let src = bind_source(m, bundle);
    let source_err = |errno| RootfsError::Source { src: src.clone(), dst: dst.clone(), errno };
    let mnt = mount::open_tree_clone_path(&src, o.recursive_bind).map_err(source_err)?;
    // A clone of a shared mount joins its peer group; the container's mounts must not
    // propagate to the host, whatever propagation the config then gives this one.
    let private = mount::MountAttr { propagation: libc::MS_PRIVATE, ..Default::default() };
    mount::mount_setattr(mnt.as_fd(), true, private).map_err(source_err)?;
    mount::mount_setattr_idmap(mnt.as_fd(), o.recursive_idmap, userns.as_fd())
        .map_err(|errno| RootfsError::IdmapRefused { src: src.clone(), dst: dst.clone(), errno })?;
    Ok(mnt)
}

/// The mount's own maps; else the container's user namespace: the maps it is made with, or the
/// namespace it joins.
fn mapping_of<'a>(m: &'a Mount, linux: &'a Linux) -> Result<Mapping<'a>, &'static str> {
    match (m.uid_mappings.is_empty(), m.gid_mappings.is_empty()) {
        (false, false) => return Ok(Mapping::Ranges { uid: &m.uid_mappings, gid: &m.gid_mappings }),
        (true, false) => return Err("gidMappings is given without uidMappings; an idmapped mount needs both"),
        (false, true) => return Err("uidMappings is given without gidMappings; an idmapped mount needs both"),
        (true, true) => {}
    }
    match linux.namespace(NamespaceType::User) {
        Some(n) => Ok(match n.path.as_deref() {
            Some(path) => Mapping::JoinedNamespace(path),
            None => Mapping::Ranges { uid: &linux.uid_mappings, gid: &linux.gid_mappings },
        }),
        None => Err("idmap needs uidMappings and gidMappings on the mount when the container has no user namespace"),
    }
}

/// One user namespace per distinct mapping: most configs idmap every mount the same way.
#[derive(Default)]
struct NamespaceCache(Vec<(Vec<IdMapping>, Vec<IdMapping>, OwnedFd)>);

impl NamespaceCache {
    fn get(&mut self, mapping: &Mapping<'_>) -> Result<OwnedFd, Errno> {
        let (uid, gid) = match mapping {
            Mapping::JoinedNamespace(path) => {
                return sysfs::openat(None, Path::new(path), libc::O_RDONLY | libc::O_CLOEXEC, 0);
            }
            Mapping::Ranges { uid, gid } => (*uid, *gid),
        };
        let dup = |fd: &OwnedFd| fd.try_clone().map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EBADF)));
        if let Some((_, _, fd)) = self.0.iter().find(|(u, g, _)| u == uid && g == gid) {
            return dup(fd);
        }
        let fd = user_namespace_with(uid, gid)?;
        let copy = dup(&fd)?;
        self.0.push((uid.to_vec(), gid.to_vec(), fd));
        Ok(copy)
    }
}

/// A new user namespace with these maps, held by a descriptor.
fn user_namespace_with(uid: &[IdMapping], gid: &[IdMapping]) -> Result<OwnedFd, Errno> {
    let parent = process::getpid();
    match ns::clone_child(libc::CLONE_NEWUSER as u64)? {
        ns::Forked::Child => {
            // Should stage 0 die before it kills this child, the child goes with it.
            if process::die_with_parent().is_err() || process::getppid() != parent {
                process::exit_now(1);
            }
            process::pause_forever()
        }
        ns::Forked::Parent(pid) => {
            let held = write_maps(pid, uid, gid).and_then(|()| {
                let path = PathBuf::from(format!("/proc/{pid}/ns/user"));
                sysfs::openat(None, &path, libc::O_RDONLY | libc::O_CLOEXEC, 0)
            });
            let _ = pidfd::kill(pid, libc::SIGKILL);
            let _ = pidfd::waitpid(pid);
            held
        }
    }
}

fn write_maps(pid: i32, uid: &[IdMapping], gid: &[IdMapping]) -> Result<(), Errno> {
    write_proc_file(pid, "uid_map", &map_text(uid))?;
    write_proc_file(pid, "gid_map", &map_text(gid))
}

//! The container's root filesystem: propagation, the rootfs bind, config.mounts, devices,
//! pivot_root, the read-only root, and masked and read-only paths.

mod cgroup_mount;
mod copyup;
mod devices;
mod error;
mod idmap;
mod mounts;
mod options;
mod paths;
mod pivot;
mod propagation;
pub mod resolve;

use std::path::Path;

pub use error::RootfsError;
pub use idmap::{prepare as prepare_idmapped_mounts, IdmappedMounts};
pub use options::MountOptions;
pub use resolve::RootDir;

use crate::init::protocol::InitOptions;
use crate::spec::{NamespaceType, Spec};

/// Everything done while the host's file system is still reachable, before the switch of root:
/// the point where the prestart, createRuntime and createContainer hooks run. `idmapped` holds
/// what stage 0 made of the idmapped mounts.
pub fn prepare(spec: &Spec, opts: &InitOptions, mut idmapped: IdmappedMounts) -> Result<(), RootfsError> {
    let linux = spec.linux();
    let rootfs_propagation = linux.rootfs_propagation.as_deref();
    propagation::isolate_from_host(rootfs_propagation)?;
    propagation::bind_rootfs(&opts.rootfs)?;
    let root =
        RootDir::open(&opts.rootfs).map_err(|errno| RootfsError::OpenRootfs { path: opts.rootfs.clone(), errno })?;

    let cgroups = cgroup_mount::CgroupView {
        new_cgroupns: linux.creates(NamespaceType::Cgroup),
        userns_dirs: if linux.creates(NamespaceType::User) { opts.cgroups.as_ref() } else { None },
    };
    for (i, m) in all_mounts(spec, opts).enumerate() {
        mounts::mount_entry(&root, m, &opts.bundle, &cgroups, linux.mount_label.as_deref(), idmapped.take(i))?;
    }
    let dev_bound = spec.mounts.iter().any(|m| {
        resolve::clean(Path::new(&m.destination)) == Path::new("/dev") && MountOptions::parse(&m.options).bind
    });
    // A user namespace of the config's, or one the runtime already runs in: no mknod either way.
    let any_userns = linux.namespace(NamespaceType::User).is_some() || crate::namespaces::in_user_namespace();
    devices::create_devices(&root, &linux.devices, !dev_bound, any_userns)?;
    let has_proc = spec.mounts.iter().any(|m| m.kind.as_deref() == Some("proc"));
    devices::create_dev_links(&root, has_proc)?;
    let has_devpts = spec.mounts.iter().any(|m| resolve::clean(Path::new(&m.destination)) == Path::new("/dev/pts"));
    if has_devpts {
        devices::link_ptmx(&root)?;
    }
    Ok(())
}

/// config.mounts, then the mounts the runtime adds, in the order they are mounted.
pub fn all_mounts<'a>(spec: &'a Spec, opts: &'a InitOptions) -> impl Iterator<Item = &'a crate::spec::Mount> {
    spec.mounts.iter().chain(&opts.extra_mounts)
}

/// The switch of root. Afterwards "/" is the container's root.
pub fn switch_root(spec: &Spec, opts: &InitOptions) -> Result<(), RootfsError> {
    let rootfs_propagation = spec.linux().rootfs_propagation.as_deref();
    if opts.no_pivot {
        pivot::move_root(&opts.rootfs)?;
    } else {
        pivot::pivot_root(&opts.rootfs)?;
    }
    if let Some(p) = rootfs_propagation {
        propagation::set_root_propagation(p)?;
    }
    Ok(())
}

/// Read-only paths, masked paths and the read-only root: done after sysctl, which writes
/// through /proc/sys before it is made read-only.
pub fn finalize(spec: &Spec) -> Result<(), RootfsError> {
    let linux = spec.linux();
    let root = RootDir::open(Path::new("/")).map_err(|errno| RootfsError::OpenRootfs { path: "/".into(), errno })?;
    for p in &linux.readonly_paths {
        paths::make_readonly(&root, Path::new(p))?;
    }
    for p in &linux.masked_paths {
        paths::mask(&root, Path::new(p))?;
    }
    if spec.root.as_ref().is_some_and(|r| r.readonly) {
        pivot::make_root_readonly()?;
    }
    Ok(())
}

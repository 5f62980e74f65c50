//! Stage 0: receives the container's configuration, joins and creates namespaces, and clones
//! the container's init. Runs in the runtime's namespaces.

use std::os::fd::OwnedFd;

use super::channel::Channel;
use super::protocol::{Failure, FromInit, InitOptions, SeccompLoad, Step, StepError};
use super::{protocol_failure, stage_container};
use crate::cgroups::{self, CgroupPaths};
use crate::namespaces::{self, Forked};
use crate::rootfs;
use crate::seccomp;
use crate::spec::Spec;
use crate::sys::{fs as sysfs, process};

/// Returns only on failure before the clone; the parent side exits after reporting the pid,
/// the child side ends in execve.
pub fn run(ch: &mut Channel, options: InitOptions) -> Result<(), Failure> {
    let raw = ch.recv_bytes().map_err(protocol_failure)?;
    let spec: Spec = serde_json::from_slice(&raw).map_err(|e| Failure {
        step: Step::Config,
        errno: None,
        detail: format!("config.json: {e}"),
    })?;
    let seccomp = receive_seccomp(ch, options.seccomp)?;
    let state_dir = open_state_dir(&options)?;
    if options.cgroup_fd.is_none() {
        join_cgroups(options.cgroups.as_ref())?;
    }
    let cgroup_dir = options.cgroup_fd.and_then(sysfs::inherited);
    let linux = spec.linux();
    let idmapped = rootfs::prepare_idmapped_mounts(rootfs::all_mounts(&spec, &options), linux, &options.bundle)
        .map_err(|e| e.to_failure())?;
    match namespaces::enter(linux, cgroup_dir).map_err(|e| e.to_failure())? {
        Forked::Parent(pid) => {
            let sent = ch.send(&FromInit::InitPid { pid });
            process::exit_now(if sent.is_ok() { 0 } else { 1 });
        }
        Forked::Child => {
            let failure = stage_container::run(ch, &spec, &options, state_dir, seccomp.as_ref(), idmapped);
            let _ = ch.send(&FromInit::Failed(failure));
            process::exit_now(1);
        }
    }
}

/// The compiled seccomp filter, in the frame after config.json when there is one.
pub(super) fn receive_seccomp(ch: &mut Channel, load: Option<SeccompLoad>) -> Result<Option<seccomp::Filter>, Failure> {
    let Some(load) = load else { return Ok(None) };
    let bytes = ch.recv_bytes().map_err(protocol_failure)?;
    let instructions = seccomp::filter_from_bytes(&bytes)
        .ok_or_else(|| protocol_failure("the seccomp filter is not whole instructions"))?;
    Ok(Some(seccomp::Filter { instructions, flags: load.flags }))
}

/// Joins the container's cgroups, so that the clone is born in them (a process inherits its
/// parent's cgroups); no code of the container's runs before it is inside. (Not needed when
/// clone3 places the clone.)
pub(super) fn join_cgroups(paths: Option<&CgroupPaths>) -> Result<(), Failure> {
    let Some(paths) = paths else {
        return Ok(());
    };
    cgroups::open(paths).apply(process::getpid()).map_err(|e| Failure {
        step: Step::Cgroup,
        errno: e.errno().map(crate::sys::errno_name),
        detail: format!("join the container's cgroups: {e}"),
    })
}

/// The state directory, opened before any namespace is joined: the init waits on its exec.fifo
/// long after the host's paths are out of reach.
fn open_state_dir(options: &InitOptions) -> Result<OwnedFd, Failure> {
    sysfs::openat(None, &options.state_dir, libc::O_PATH | libc::O_DIRECTORY, 0).map_err(|errno| Failure {
        step: Step::ExecFifo,
        errno: Some(crate::sys::errno_name(errno)),
        detail: format!("open the state directory {:?}", options.state_dir),
    })
}

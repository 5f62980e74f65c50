//! Stage 1: the container's init. Sets the container up in the order the kernel requires,
//! reports Ready, waits for `start` on exec.fifo, and executes the user's program.

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use super::channel::Channel;
use super::process_setup::{
    apply_scheduling, become_user, failed, load_seccomp, seccomp_placement, setup_terminal, with_extra_env, Console,
};
use super::protocol::{Failure, FromInit, InitOptions, Step, ToInit};
use super::{hook_points, protocol_failure};
use crate::namespaces;
use crate::process::procfs::Procfs;
use crate::process::{affinity, exec, keyring, labels, personality, rlimits, sysctl, ProcessError};
use crate::rootfs;
use crate::seccomp::Filter;
use crate::spec::Spec;
use crate::sys::{fs as sysfs, process as sysproc};

/// The name /proc/PID/comm shows until the exec; `state` uses it to tell a created container
/// from a running one.
pub const INIT_COMM: &str = "ocirun-init";

/// Sets up the container and executes its process. Returns only the failure.
pub fn run(
    ch: &mut Channel,
    spec: &Spec,
    opts: &InitOptions,
    state_dir: OwnedFd,
    filter: Option<&Filter>,
    idmapped: rootfs::IdmappedMounts,
) -> Failure {
    match setup(ch, spec, opts, filter, idmapped) {
        Err(f) => f,
        Ok(plan) => {
            if let Err(f) = ch.send(&FromInit::Ready).map_err(protocol_failure) {
                return f;
            }
            let fifo = match wait_for_start(&state_dir) {
                Ok(fifo) => fifo,
                Err(f) => return f,
            };
            if let Err(f) = hook_points::start_container(spec, opts, &fifo) {
                return f;
            }
            // exec.fifo stays open until the exec closes it: `start` waits for that. The control
            // socket closes too: nobody listens on it any more.
            exec::exec(&plan, 3 + opts.preserve_fds)
        }
    }
}

fn setup(
    ch: &mut Channel,
    spec: &Spec,
    opts: &InitOptions,
    filter: Option<&Filter>,
    idmapped: rootfs::IdmappedMounts,
) -> Result<exec::Exec, Failure> {
    match ch.recv::<ToInit>().map_err(protocol_failure)? {
        ToInit::Proceed => {}
        other => return Err(protocol_failure(format!("expected proceed, got {other:?}"))),
    }
    let process = spec.process.as_ref().ok_or_else(|| protocol_failure("config.json has no process"))?;
    let process = &with_extra_env(process, &opts.extra_env);
    let linux = spec.linux();
    namespaces::become_root(linux).map_err(failed)?;
    // Neither a name nor dumpability matters to the container; both keep other processes
    // (a later exec included) away from this one's memory and descriptors.
    let _ = sysproc::set_name(INIT_COMM);
    let _ = sysproc::set_dumpable(false);
    let caller_umask = sysproc::umask(0);
    if !opts.no_new_keyring {
        keyring::join_session(&opts.id).map_err(failed)?;
    }
    affinity::reset().map_err(failed)?;

    // Opened before any mount of the container exists; see process/procfs.rs.
    let procfs = Procfs::open();
    namespaces::unshare_cgroup(linux).map_err(failed)?;
    if let Some(adj) = process.oom_score_adj {
        write_oom_score_adj(&procfs, adj).map_err(failed)?;
    }
    rootfs::prepare(spec, opts, idmapped).map_err(failed)?;
    hook_points::before_pivot(ch, spec, opts)?;
    rootfs::switch_root(spec, opts).map_err(failed)?;
    setup_terminal(ch, process, Console::Bind)?;
    exec::make_cwd(&process.cwd).map_err(failed)?;
    if let Some(name) = &spec.hostname {
        crate::sys::process::sethostname(name)
            .map_err(|errno| failed(ProcessError::Hostname { name: name.clone(), errno }))?;
    }
    if let Some(name) = &spec.domainname {
        crate::sys::process::setdomainname(name)
            .map_err(|errno| failed(ProcessError::Domainname { name: name.clone(), errno }))?;
    }
    sysctl::apply(&procfs, &linux.sysctl).map_err(failed)?;
    drop(procfs);
    rootfs::finalize(spec).map_err(failed)?;
    rlimits::apply(&process.rlimits).map_err(failed)?;
    apply_scheduling(process, linux.memory_policy.as_ref())?;
    labels::set_exec_labels(process).map_err(failed)?;
    let (early, late) = seccomp_placement(process, filter);
    load_seccomp(ch, early)?;
    become_user(ch, process, caller_umask)?;
    let plan = exec::prepare(process).map_err(failed)?;
    if let Some(p) = &linux.personality {
        personality::apply(p).map_err(failed)?;
    }
    load_seccomp(ch, late)?;
    Ok(plan)
}

fn write_oom_score_adj(procfs: &Procfs, adj: i32) -> Result<(), ProcessError> {
    procfs
        .write_own("oom_score_adj", adj.to_string().as_bytes())
        .map_err(|errno| ProcessError::OomScoreAdj { value: adj, errno })
}

/// Blocks until `start` opens exec.fifo for reading, then tells it the init goes on.
fn wait_for_start(state_dir: &OwnedFd) -> Result<OwnedFd, Failure> {
    let err = |errno| Failure {
        step: Step::ExecFifo,
        errno: Some(crate::sys::errno_name(errno)),
        detail: "open exec.fifo".to_string(),
    };
    let fifo = sysfs::openat(Some(state_dir.as_fd()), Path::new("exec.fifo"), libc::O_WRONLY, 0).map_err(err)?;
    sysfs::write_all(fifo.as_fd(), b"0").map_err(err)?;
    Ok(fifo)
}

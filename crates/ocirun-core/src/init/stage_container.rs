//! Stage 1: the container's init. Sets the container up in the order the kernel requires,
//! reports Ready, waits for `start` on exec.fifo, and executes the user's program.

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use super::channel::Channel;
use super::protocol::{Failure, FromInit, InitOptions, Step, StepError, ToInit};
use super::{hook_points, protocol_failure};
use crate::namespaces;
use crate::process::procfs::Procfs;
use crate::process::{
    affinity, caps, exec, ioprio, keyring, labels, mempolicy, personality, rlimits, scheduler, sysctl, user,
    ProcessError,
};
use crate::rootfs;
use crate::seccomp::{self, Filter};
use crate::spec::{Linux, Process, Spec};
use crate::sys::{caps as syscaps, fs as sysfs, process as sysproc, Errno};

/// The name /proc/PID/comm shows until the exec; `state` uses it to tell a created container
/// from a running one.
pub const INIT_COMM: &str = "ocirun-init";

/// Sets up the container and executes its process. Returns only the failure.
pub fn run(ch: &mut Channel, spec: &Spec, opts: &InitOptions, state_dir: OwnedFd, filter: Option<&Filter>) -> Failure {
    match setup(ch, spec, opts, filter) {
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
            // exec.fifo stays open until the exec closes it: `start` waits for that.
            exec::exec(&plan)
        }
    }
}

fn failed(e: impl StepError) -> Failure {
    e.to_failure()
}

fn setup(ch: &mut Channel, spec: &Spec, opts: &InitOptions, filter: Option<&Filter>) -> Result<exec::Exec, Failure> {
    match ch.recv::<ToInit>().map_err(protocol_failure)? {
        ToInit::Proceed => {}
        other => return Err(protocol_failure(format!("expected proceed, got {other:?}"))),
    }
    let process = spec.process.as_ref().ok_or_else(|| protocol_failure("config.json has no process"))?;
    let linux = spec.linux();
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
    rootfs::prepare(spec, opts).map_err(failed)?;
    hook_points::before_pivot(ch, spec, opts)?;
    rootfs::switch_root(spec, opts).map_err(failed)?;
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
    apply_scheduling(process, linux)?;
    labels::set_exec_labels(process).map_err(failed)?;
    // Where runc loads the filter: without no_new_privs, loading takes CAP_SYS_ADMIN, so before
    // the user and capabilities change; with it, as late as possible, so that the profile has
    // few of the init's own syscalls to allow (README: what a profile must allow).
    let (early, late) = match filter {
        Some(f) if process.no_new_privileges => (None, Some(f)),
        other => (other, None),
    };
    load_seccomp(ch, early)?;
    become_user(ch, process, caller_umask)?;
    let plan = exec::prepare(process).map_err(failed)?;
    if let Some(p) = &linux.personality {
        personality::apply(p).map_err(failed)?;
    }
    load_seccomp(ch, late)?;
    Ok(plan)
}

/// Loads the filter and hands its notification descriptor, if any, to the launcher at once:
/// a notified syscall of the init's blocks until the agent has it.
fn load_seccomp(ch: &mut Channel, filter: Option<&Filter>) -> Result<(), Failure> {
    let Some(filter) = filter else { return Ok(()) };
    if let Some(listener) = seccomp::load(filter).map_err(failed)? {
        ch.send_with_fd(&FromInit::SeccompListener, listener.as_fd()).map_err(protocol_failure)?;
    }
    Ok(())
}

/// I/O priority, scheduler and memory policy, set while the init still has the privileges the
/// real-time classes need; the program inherits them.
fn apply_scheduling(p: &Process, linux: &Linux) -> Result<(), Failure> {
    if let Some(io) = &p.io_priority {
        ioprio::apply(io).map_err(failed)?;
    }
    if let Some(s) = &p.scheduler {
        scheduler::apply(s).map_err(failed)?;
    }
    if let Some(m) = &linux.memory_policy {
        mempolicy::apply(m).map_err(failed)?;
    }
    Ok(())
}

fn write_oom_score_adj(procfs: &Procfs, adj: i32) -> Result<(), ProcessError> {
    procfs
        .write_own("oom_score_adj", adj.to_string().as_bytes())
        .map_err(|errno| ProcessError::OomScoreAdj { value: adj, errno })
}

/// The order runc uses: bounding set (needs CAP_SETPCAP), keepcaps, user switch, working
/// directory (as the user when root could not enter it), then the capability sets and
/// no_new_privs.
fn become_user(ch: &mut Channel, p: &Process, caller_umask: u32) -> Result<(), Failure> {
    let last_cap = syscaps::last_cap();
    let resolved = match &p.capabilities {
        Some(c) => {
            let grantable = syscaps::capget().map(|s| s.permitted).unwrap_or(0);
            let r = caps::resolve(c, grantable, last_cap);
            for w in &r.warnings {
                warn(ch, w)?;
            }
            caps::apply_bounding(&r, last_cap).map_err(failed)?;
            Some(r)
        }
        None => None,
    };
    let early_cwd = exec::enter_cwd(&p.cwd);
    caps::keep_caps_across_setuid(true).map_err(failed)?;
    user::switch_user(&p.user).map_err(failed)?;
    if let Err(e) = early_cwd {
        match e {
            ProcessError::Chdir { errno: Errno::EACCES, .. } | ProcessError::Chdir { errno: Errno::EPERM, .. } => {
                exec::enter_cwd(&p.cwd).map_err(failed)?
            }
            other => return Err(failed(other)),
        }
    }
    caps::keep_caps_across_setuid(false).map_err(failed)?;
    sysproc::umask(p.user.umask.unwrap_or(caller_umask));
    if let Some(r) = &resolved {
        for w in caps::apply_sets(r).map_err(failed)? {
            warn(ch, &w)?;
        }
    }
    if p.no_new_privileges {
        sysproc::set_no_new_privs().map_err(|errno| failed(ProcessError::NoNewPrivileges { errno }))?;
    }
    Ok(())
}

fn warn(ch: &mut Channel, message: &str) -> Result<(), Failure> {
    ch.send(&FromInit::Warning { message: message.to_string() }).map_err(protocol_failure)
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

//! An exec: a new process in a running container. Stage 0 joins the container's cgroups, then
//! all its namespaces at once (setns on the container init's pidfd, which the kernel orders
//! user namespace first), and forks, since only children enter a PID namespace. The child enters
//! the init's root directory, takes on the process's attributes as the container's init did,
//! and executes the program; its control socket is close-on-exec, so the launcher learns that
//! the exec happened from the end of the stream, and a failed execve is still reported.

use super::channel::Channel;
use super::process_setup::{
    apply_scheduling, become_user, exec_failure, failed, load_seccomp, seccomp_placement, setup_terminal, Console,
};
use super::protocol::{ExecOptions, Failure, FromInit, Step, ToInit};
use super::protocol_failure;
use super::stage_host::{join_cgroups, receive_seccomp};
use crate::process::procfs::Procfs;
use crate::process::{affinity, exec, keyring, labels, personality, rlimits, ProcessError};
use crate::seccomp::Filter;
use crate::spec::Process;
use crate::sys::{fs as sysfs, mount, ns, process as sysproc, Errno};

/// Returns only on failure before the fork; the parent side exits after reporting the pid, the
/// child side ends in execve.
pub fn run(ch: &mut Channel, options: ExecOptions, control_fd: i32) -> Result<(), Failure> {
    let raw = ch.recv_bytes().map_err(protocol_failure)?;
    let process: Process = serde_json::from_slice(&raw).map_err(|e| Failure {
        step: Step::Config,
        errno: None,
        detail: format!("process: {e}"),
    })?;
    let filter = receive_seccomp(ch, options.seccomp)?;
    // Nothing of the container is reachable yet: both go through the host's own procfs and
    // scheduler state, and the child inherits them.
    if let Some(adj) = process.oom_score_adj {
        Procfs::open()
            .write_own("oom_score_adj", adj.to_string().as_bytes())
            .map_err(|errno| failed(ProcessError::OomScoreAdj { value: adj, errno }))?;
    }
    affinity::apply_initial(process.exec_cpu_affinity.as_ref()).map_err(failed)?;
    if !options.placed_when_ready {
        join_cgroups(options.cgroups.as_ref())?;
    }
    join_namespaces(&options)?;
    // The child reports on the same socket as this stage: it must not speak before the pid is
    // told, so it waits for this stage's end of the pipe to close (when it exits).
    let (told_r, told_w) = sysfs::pipe().map_err(|errno| namespace_failure("make a pipe", errno))?;
    match ns::clone_sibling(0).map_err(|errno| namespace_failure("fork into the container's PID namespace", errno))? {
        ns::Forked::Parent(pid) => {
            let sent = ch.send(&FromInit::InitPid { pid });
            drop(told_w);
            sysproc::exit_now(if sent.is_ok() { 0 } else { 1 });
        }
        ns::Forked::Child => {
            drop(told_w);
            let mut byte = [0u8; 1];
            let _ = sysfs::read(std::os::fd::AsFd::as_fd(&told_r), &mut byte);
            drop(told_r);
            let failure = match setup(ch, &process, &options, filter.as_ref()) {
                Err(f) => f,
                Ok(plan) => match ready(ch, &options) {
                    Err(f) => f,
                    Ok(()) => exec::exec_reporting(&plan, 3 + options.preserve_fds, control_fd, |errno| {
                        let _ = ch.send(&FromInit::Failed(exec_failure(&plan.path, errno)));
                    }),
                },
            };
            let _ = ch.send(&FromInit::Failed(failure));
            sysproc::exit_now(1);
        }
    }
}

/// Reports Ready; in a paused container, also waits until the launcher has placed this process
/// in its (frozen) cgroups and the container was thawed.
fn ready(ch: &mut Channel, options: &ExecOptions) -> Result<(), Failure> {
    ch.send(&FromInit::Ready).map_err(protocol_failure)?;
    if options.placed_when_ready {
        match ch.recv::<ToInit>().map_err(protocol_failure)? {
            ToInit::Proceed => {}
            other => return Err(protocol_failure(format!("expected proceed, got {other:?}"))),
        }
    }
    Ok(())
}

fn namespace_failure(detail: &str, errno: Errno) -> Failure {
    Failure { step: Step::JoinNamespace, errno: Some(crate::sys::errno_name(errno)), detail: detail.to_string() }
}

fn join_namespaces(options: &ExecOptions) -> Result<(), Failure> {
    if options.namespaces == 0 {
        return Ok(());
    }
    let pidfd = sysfs::inherited(options.pidfd).ok_or_else(|| protocol_failure("no container pidfd"))?;
    ns::setns(pidfd, options.namespaces).map_err(|errno| namespace_failure("join the container's namespaces", errno))
}

fn setup(ch: &mut Channel, p: &Process, options: &ExecOptions, filter: Option<&Filter>) -> Result<exec::Exec, Failure> {
    // Keeps container processes from reading this one's memory or descriptors while it still
    // holds the runtime's (execve makes it dumpable again as the user's program).
    let _ = sysproc::set_dumpable(false);
    enter_root(options)?;
    let caller_umask = sysproc::umask(0);
    if !options.no_new_keyring {
        keyring::join_session(&options.id).map_err(failed)?;
    }
    affinity::apply_final(p.exec_cpu_affinity.as_ref()).map_err(failed)?;
    setup_terminal(ch, p, Console::Leave)?;
    rlimits::apply(&p.rlimits).map_err(failed)?;
    apply_scheduling(p, options.memory_policy.as_ref())?;
    labels::set_exec_labels(p).map_err(failed)?;
    let (early, late) = seccomp_placement(p, filter);
    load_seccomp(ch, early)?;
    become_user(ch, p, caller_umask)?;
    let plan = exec::prepare(p).map_err(failed)?;
    if let Some(persona) = &options.personality {
        personality::apply(persona).map_err(failed)?;
    }
    load_seccomp(ch, late)?;
    Ok(plan)
}

/// The container init's root, which joining its mount namespace alone does not give: setns
/// starts at the namespace's root mount, below a root the init moved over it (`--no-pivot`).
fn enter_root(options: &ExecOptions) -> Result<(), Failure> {
    let err = |what: &str, errno: Errno| Failure {
        step: Step::EnterRoot,
        errno: Some(crate::sys::errno_name(errno)),
        detail: format!("{what} the container's root"),
    };
    let root = sysfs::inherited(options.root_fd).ok_or_else(|| protocol_failure("no container root descriptor"))?;
    mount::fchdir(root).map_err(|e| err("enter", e))?;
    mount::chroot(std::path::Path::new(".")).map_err(|e| err("chroot to", e))
}

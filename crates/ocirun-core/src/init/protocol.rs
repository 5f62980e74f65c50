//! The messages between the launcher (in the calling process) and the init executable.
//!
//! ```text
//!  launcher                         init, stage 0 (host namespaces)     init, stage 1 (container)
//!     | -- Bootstrap + config.json --> |                                    |
//!     |                                | joins namespaces, clones --------> |
//!     | <-- InitPid (host pid) ------- | exits                              |
//!     | (places the init: cgroups)                                          |
//!     | -- Proceed -------------------------------------------------------> |
//!     | <-- Warning* ------------------------------------------------------ | mounts
//!     | <-- RuntimeHooks (with prestart or createRuntime hooks) ----------- |
//!     | (runs prestart, createRuntime)                                      |
//!     | -- RuntimeHooksDone ----------------------------------------------> | createContainer hooks,
//!     | <-- Console (+ pty master) ---------------------------------------- | pivot_root, terminal,
//!     | <-- SeccompListener (+ fd) ---------------------------------------- | user, capabilities,
//!     | <-- Ready | Failed ------------------------------------------------ | seccomp
//!                                                                           | waits on exec.fifo,
//!  start: opens exec.fifo, reads "0" <------------------------------------- | writes "0",
//!         reads to EOF: a Failure (JSON) <--------------------------------- | startContainer hooks,
//!         or nothing (EOF at the exec)                                      | execve
//! ```
//!
//! An exec is the same executable with another first message:
//!
//! ```text
//!  launcher                         init, stage 0 (host namespaces)     exec'd process
//!     | -- Exec + process.json ------> |                                    |
//!     |                                | joins cgroups, then the container's|
//!     |                                | namespaces (setns on its pidfd),   |
//!     |                                | forks -----------------------------> |
//!     | <-- InitPid (host pid) ------- | exits                              | enters the container's
//!     | <-- Console (+ pty master) --------------------------------------- | root; terminal, user,
//!     | <-- SeccompListener, Warning* ------------------------------------- | capabilities, seccomp
//!     | <-- Ready ---------------------------------------------------------- |
//!     | <-- EOF (the exec closed the socket) | Failed ---------------------- | execve
//! ```
//! With a seccomp profile, the frame after config.json holds the compiled filter (see
//! [`crate::seccomp::Program::filter_bytes`]).
//! A failure at any step is a `Failed` carrying the step and the errno.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::cgroups::CgroupPaths;

/// What the init needs besides config.json: where things are on the host.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitOptions {
    pub id: String,
    /// Absolute path of the bundle, against which relative bind-mount sources resolve.
    pub bundle: PathBuf,
    /// Absolute path of the root filesystem on the host.
    pub rootfs: PathBuf,
    /// The container's state directory, which holds exec.fifo.
    pub state_dir: PathBuf,
    /// Move the root with MS_MOVE and chroot instead of pivot_root (`--no-pivot`).
    #[serde(default)]
    pub no_pivot: bool,
    /// The container's cgroups, created already. Stage 0 joins them before the clone, so
    /// that the container's init is born inside, unless `cgroup_fd` places the clone.
    #[serde(default)]
    pub cgroups: Option<CgroupPaths>,
    /// The descriptor of the container's cgroup v2 directory, for CLONE_INTO_CGROUP (when one
    /// cgroup v2 directory holds every controller).
    #[serde(default)]
    pub cgroup_fd: Option<i32>,
    /// Keep the caller's session keyring instead of joining a new one (`--no-new-keyring`).
    #[serde(default)]
    pub no_new_keyring: bool,
    /// A seccomp filter to load, compiled by the launcher; it follows config.json.
    #[serde(default)]
    pub seccomp: Option<SeccompLoad>,
    /// How many descriptors above stdio (3, 4, ...) the container's process keeps: systemd's
    /// LISTEN_FDS and `--preserve-fds`. The control socket sits right above them.
    #[serde(default)]
    pub preserve_fds: u32,
    /// Added to process.env (LISTEN_FDS, LISTEN_PID, NOTIFY_SOCKET), after what config.json has.
    #[serde(default)]
    pub extra_env: Vec<String>,
    /// Mounted after config.json's mounts (the NOTIFY_SOCKET directory).
    #[serde(default)]
    pub extra_mounts: Vec<crate::spec::Mount>,
}

/// What the init needs to start a process in a running container (`exec`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecOptions {
    pub id: String,
    /// The container's namespaces to join (CLONE_NEW* flags), all at once through `pidfd`.
    pub namespaces: i32,
    /// The descriptor of the container init's pidfd.
    pub pidfd: i32,
    /// The descriptor of the container init's root directory (its /proc/PID/root).
    pub root_fd: i32,
    /// The cgroups to join before joining the namespaces.
    #[serde(default)]
    pub cgroups: Option<CgroupPaths>,
    /// The container is paused (`--ignore-paused`): the launcher places the process in its
    /// frozen cgroups once it is ready, and it execs on Proceed, when the container is thawed.
    #[serde(default)]
    pub placed_when_ready: bool,
    #[serde(default)]
    pub no_new_keyring: bool,
    #[serde(default)]
    pub seccomp: Option<SeccompLoad>,
    #[serde(default)]
    pub preserve_fds: u32,
    /// The container's linux.personality and linux.memoryPolicy, which its processes share.
    #[serde(default)]
    pub personality: Option<crate::spec::Personality>,
    #[serde(default)]
    pub memory_policy: Option<crate::spec::MemoryPolicy>,
}

/// How the init loads the filter it receives.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeccompLoad {
    /// SECCOMP_FILTER_FLAG_* for seccomp(2).
    pub flags: u32,
}

/// Messages to the init.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ToInit {
    /// First message; the next frame carries config.json exactly as the bundle holds it.
    Bootstrap { options: Box<InitOptions> },
    /// First message of an exec; the next frame carries the process (the spec's Process) to run.
    Exec { options: Box<ExecOptions> },
    /// The launcher has placed the init (cgroups); it may set the container up.
    Proceed,
    /// The prestart and createRuntime hooks ran and succeeded (on a failure the launcher kills
    /// the init instead).
    RuntimeHooksDone,
}

/// Messages from the init.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FromInit {
    /// The container's init process, as the host sees it.
    InitPid {
        pid: i32,
    },
    /// Something was not applied as asked, and the container goes on without it.
    Warning {
        message: String,
    },
    /// The mounts are done and the root not yet switched: the point of the prestart and
    /// createRuntime hooks. Sent only when the config has some; the init waits for
    /// RuntimeHooksDone.
    RuntimeHooks,
    /// The seccomp filter is loaded; this frame carries its notification descriptor
    /// (SCMP_ACT_NOTIFY), which the launcher hands to the listener.
    SeccompListener,
    /// process.terminal: this frame carries the pseudoterminal's master.
    Console,
    /// The container is set up and waits on exec.fifo.
    Ready,
    Failed(Failure),
}

/// Requests to the zygote, which forks a fresh stage 0 for each container or exec (a library
/// process makes many; a fork of the small zygote is far cheaper than an exec).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ToZygote {
    /// One descriptor for the new stage 0, carried by this frame, to sit at `target` there.
    Fd { target: i32 },
    /// Fork a stage 0 with the descriptors sent since the last Fork; its control socket is
    /// the one at `control`.
    Fork { control: i32 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FromZygote {
    /// The new stage 0, a child of the zygote's parent (CLONE_PARENT): the runtime reaps it.
    Forked {
        pid: i32,
    },
    Failed(Failure),
}

/// Why the init failed: the step, the errno if a syscall failed, and what it was working on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub step: Step,
    /// The errno's symbolic name ("EPERM"), when a syscall failed.
    pub errno: Option<String>,
    pub detail: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.errno {
            Some(e) => write!(f, "{}: {}", self.detail, e),
            None => write!(f, "{}", self.detail),
        }
    }
}

/// The bootstrap's steps, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Protocol,
    Config,
    Cgroup,
    JoinNamespace,
    CreateNamespaces,
    EnterRoot,
    TimeOffsets,
    Keyring,
    CpuAffinity,
    RootfsPropagation,
    BindRootfs,
    Mount,
    CreateDevice,
    DevSymlink,
    PrestartHook,
    CreateRuntimeHook,
    CreateContainerHook,
    PivotRoot,
    ReadonlyRoot,
    Hostname,
    Domainname,
    Sysctl,
    ReadonlyPath,
    MaskPath,
    OomScoreAdj,
    Rlimit,
    IoPriority,
    Scheduler,
    MemoryPolicy,
    ExecLabel,
    Cwd,
    User,
    Capabilities,
    NoNewPrivileges,
    Seccomp,
    Terminal,
    Console,
    Executable,
    Personality,
    ExecFifo,
    StartContainerHook,
    Exec,
    PoststartHook,
    PoststopHook,
}

impl Step {
    /// Whether a hook's failure is what this step reports.
    pub fn is_hook(self) -> bool {
        matches!(
            self,
            Step::PrestartHook
                | Step::CreateRuntimeHook
                | Step::CreateContainerHook
                | Step::StartContainerHook
                | Step::PoststartHook
                | Step::PoststopHook
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Step::Protocol => "protocol",
            Step::Config => "config",
            Step::Cgroup => "cgroup",
            Step::JoinNamespace => "join_namespace",
            Step::CreateNamespaces => "create_namespaces",
            Step::EnterRoot => "enter_root",
            Step::TimeOffsets => "time_offsets",
            Step::Keyring => "keyring",
            Step::CpuAffinity => "cpu_affinity",
            Step::RootfsPropagation => "rootfs_propagation",
            Step::BindRootfs => "bind_rootfs",
            Step::Mount => "mount",
            Step::CreateDevice => "create_device",
            Step::DevSymlink => "dev_symlink",
            Step::PrestartHook => "prestart_hook",
            Step::CreateRuntimeHook => "create_runtime_hook",
            Step::CreateContainerHook => "create_container_hook",
            Step::PivotRoot => "pivot_root",
            Step::ReadonlyRoot => "readonly_root",
            Step::Hostname => "hostname",
            Step::Domainname => "domainname",
            Step::Sysctl => "sysctl",
            Step::ReadonlyPath => "readonly_path",
            Step::MaskPath => "mask_path",
            Step::OomScoreAdj => "oom_score_adj",
            Step::Rlimit => "rlimit",
            Step::IoPriority => "io_priority",
            Step::Scheduler => "scheduler",
            Step::MemoryPolicy => "memory_policy",
            Step::ExecLabel => "exec_label",
            Step::Cwd => "cwd",
            Step::User => "user",
            Step::Capabilities => "capabilities",
            Step::NoNewPrivileges => "no_new_privileges",
            Step::Seccomp => "seccomp",
            Step::Terminal => "terminal",
            Step::Console => "console",
            Step::Executable => "executable",
            Step::Personality => "personality",
            Step::ExecFifo => "exec_fifo",
            Step::StartContainerHook => "start_container_hook",
            Step::Exec => "exec",
            Step::PoststartHook => "poststart_hook",
            Step::PoststopHook => "poststop_hook",
        }
    }
}

/// An error of one of the init's modules, which knows its step and errno.
pub trait StepError: std::error::Error {
    fn step(&self) -> Step;
    fn errno(&self) -> Option<nix::errno::Errno>;

    fn to_failure(&self) -> Failure {
        Failure { step: self.step(), errno: self.errno().map(crate::sys::errno_name), detail: self.to_string() }
    }
}

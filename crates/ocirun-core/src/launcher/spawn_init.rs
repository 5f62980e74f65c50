//! Starting the init executable from its sealed copy, with its descriptor table laid out as
//! the init expects, and reading back the pid of the process its stage 0 made.
//!
//! ```text
//!  0-2          stdio
//!  3 .. 3+P-1   the descriptors the program keeps (LISTEN_FDS, --preserve-fds)
//!  3+P          the control socket (its number is argv[1])
//!  3+P+1 ...    further descriptors the options name (a cgroup directory, a pidfd, a root)
//! ```

use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use super::{init_binary, LaunchError};
use crate::init::channel::{Channel, ChannelError};
use crate::init::protocol::FromInit;
use crate::sys::{fs as sysfs, pidfd, spawn, Errno};

pub(super) struct InitFds<'a> {
    /// None keeps the caller's own stdio.
    pub stdio: Option<[BorrowedFd<'a>; 3]>,
    pub preserve: &'a [BorrowedFd<'a>],
    pub extra: Vec<BorrowedFd<'a>>,
}

impl InitFds<'_> {
    pub fn control_number(&self) -> i32 {
        3 + self.preserve.len() as i32
    }

    /// The number the `i`th extra descriptor has in the init.
    pub fn extra_number(&self, i: usize) -> i32 {
        self.control_number() + 1 + i as i32
    }

    /// Every descriptor with the number it gets in the init, `control` the init's end of its
    /// control socket. Stdio is always mapped explicitly: Node marks its own 0-2 close-on-exec.
    pub fn layout<'a>(&'a self, control: BorrowedFd<'a>) -> Vec<(BorrowedFd<'a>, i32)> {
        let mut fd_map: Vec<(BorrowedFd<'a>, i32)> = match &self.stdio {
            Some(stdio) => stdio.iter().enumerate().map(|(i, fd)| (*fd, i as i32)).collect(),
            None => sysfs::open_stdio(),
        };
        fd_map.extend(self.preserve.iter().enumerate().map(|(i, fd)| (*fd, 3 + i as i32)));
        fd_map.push((control, self.control_number()));
        fd_map.extend(self.extra.iter().enumerate().map(|(i, fd)| (*fd, self.extra_number(i))));
        fd_map
    }
}

/// How stage 0 comes to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartWith {
    /// posix_spawn of the sealed executable: what a process that makes one container needs.
    #[default]
    Spawn,
    /// A fork of this process's zygote (launcher/zygote.rs): cheaper for a process that makes
    /// many, such as a library user's.
    Zygote,
}

/// Starts stage 0 and returns the launcher's end of its control socket and its pid.
pub(super) fn spawn(init: &'static [u8], fds: &InitFds<'_>, with: StartWith) -> Result<(Channel, i32), LaunchError> {
    match with {
        StartWith::Spawn => spawn_exec(init, fds, false),
        StartWith::Zygote => super::zygote::fork(init, fds),
    }
}

/// posix_spawn of the sealed executable with `fds`; `zygote` makes it the zygote.
pub(super) fn spawn_exec(init: &'static [u8], fds: &InitFds<'_>, zygote: bool) -> Result<(Channel, i32), LaunchError> {
    let exe = init_binary::sealed(init)?;
    let (ours, theirs) = UnixStream::pair().map_err(|e| LaunchError::Spawn(io_errno(&e)))?;
    let fd_map = fds.layout(theirs.as_fd());
    let control = CString::new(fds.control_number().to_string()).map_err(|_| LaunchError::Spawn(Errno::EINVAL))?;
    let mut argv = vec![c"ocirun-init".to_owned()];
    if zygote {
        argv.push(c"zygote".to_owned());
    }
    argv.push(control);
    let stage0 = spawn::spawn_fd(exe, &argv, &[], &fd_map).map_err(LaunchError::Spawn)?;
    drop(theirs);
    Ok((Channel::new(ours), stage0))
}

/// Waits for stage 0 to report the pid of the process it made (a child of this process, through
/// CLONE_PARENT), reaps stage 0, and opens a pidfd to the new process.
pub(super) fn child_pid(
    channel: &mut Channel,
    sent: Result<(), ChannelError>,
    stage0: i32,
) -> Result<(i32, OwnedFd), LaunchError> {
    let reply = sent.and_then(|_| channel.recv::<FromInit>());
    // Stage 0 exits right after it reports; reap it whatever it said.
    let stage0_status = pidfd::waitpid(stage0).map(|s| s.code()).unwrap_or(-1);
    let pid = match reply {
        Ok(FromInit::InitPid { pid }) => pid,
        Ok(FromInit::Failed(f)) => return Err(LaunchError::Init(f)),
        Ok(other) => return Err(LaunchError::Unexpected(format!("{other:?}"))),
        Err(ChannelError::Closed) => return Err(LaunchError::InitExited(stage0_status)),
        Err(e) => return Err(e.into()),
    };
    let pidfd = pidfd::pidfd_open(pid).map_err(|errno| LaunchError::Pidfd { pid, errno })?;
    Ok((pid, pidfd))
}

fn io_errno(e: &std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

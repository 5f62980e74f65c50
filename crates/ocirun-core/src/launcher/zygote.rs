//! The runtime's side of the zygote (init/zygote.rs): one per process, spawned on first use
//! from the sealed executable, and asked for a fresh stage 0 per container or exec. Requests
//! are serialised (a fork takes a tenth of a millisecond); a zygote that died is reaped and
//! replaced on the next request.

use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::Mutex;

use super::spawn_init::{self, InitFds};
use super::LaunchError;
use crate::init::channel::Channel;
use crate::init::protocol::{FromZygote, ToZygote};
use crate::sys::{fs as sysfs, pidfd, Errno};

struct Zygote {
    channel: Channel,
    pid: i32,
}

static ZYGOTE: Mutex<Option<Zygote>> = Mutex::new(None);

/// A stage 0 forked by the zygote, with `fds` laid out as spawn_init lays them out: the
/// launcher's end of its control socket and its pid (a child of this process).
pub(super) fn fork(init: &'static [u8], fds: &InitFds<'_>) -> Result<(Channel, i32), LaunchError> {
    let mut guard = match ZYGOTE.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    if guard.is_none() {
        *guard = Some(start(init)?);
    }
    match request(guard.as_mut(), fds) {
        Ok(forked) => Ok(forked),
        Err(first) => {
            // The zygote may have died since the last request: one fresh one, one more try.
            if let Some(old) = guard.take() {
                let _ = pidfd::kill(old.pid, libc::SIGKILL);
                let _ = pidfd::waitpid(old.pid);
            }
            *guard = Some(start(init)?);
            request(guard.as_mut(), fds).map_err(|_| first)
        }
    }
}

fn start(init: &'static [u8]) -> Result<Zygote, LaunchError> {
    let null = sysfs::openat(None, std::path::Path::new("/dev/null"), libc::O_RDWR, 0).map_err(LaunchError::Spawn)?;
    let n = null.as_fd();
    let fds = InitFds { stdio: Some([n, n, n]), preserve: &[], extra: Vec::new() };
    let (channel, pid) = spawn_init::spawn_exec(init, &fds, true)?;
    Ok(Zygote { channel, pid })
}

fn request(zygote: Option<&mut Zygote>, fds: &InitFds<'_>) -> Result<(Channel, i32), LaunchError> {
    let zygote = zygote.ok_or_else(|| LaunchError::Unexpected("no zygote".into()))?;
    let (ours, theirs) =
        UnixStream::pair().map_err(|e| LaunchError::Spawn(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))))?;
    for (fd, target) in fds.layout(theirs.as_fd()) {
        zygote.channel.send_with_fd(&ToZygote::Fd { target }, fd)?;
    }
    zygote.channel.send(&ToZygote::Fork { control: fds.control_number() })?;
    match zygote.channel.recv::<FromZygote>()? {
        FromZygote::Forked { pid } => {
            drop(theirs);
            Ok((Channel::new(ours), pid))
        }
        FromZygote::Failed(f) => Err(LaunchError::Init(f)),
    }
}

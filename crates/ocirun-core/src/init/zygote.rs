//! The zygote: the init executable, spawned once by a long-lived runtime process (the
//! library), which forks a fresh stage 0 for each container or exec. A spawn and exec of a new
//! process costs about 0.7 ms on these machines (most of it the new address space and the
//! static C library's start-up, whose CPUID probes each exit the VM); a fork of this small,
//! single-threaded process costs about 0.1 ms. The zygote never does container work itself:
//! it holds the descriptors a request sends only until its child has its copies.
//!
//! The child is made with CLONE_PARENT, so that it (and the container's init it clones in
//! turn) is a child of the runtime process, exactly as if posix_spawn had made it there.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use super::channel::Channel;
use super::protocol::{FromZygote, ToZygote};
use super::{protocol_failure, stage0};
use crate::sys::{fs as sysfs, ns, process};

/// Serves fork requests on the socket at `fd` until the runtime closes it.
pub fn serve(fd: RawFd) -> i32 {
    let _ = process::set_dumpable(false);
    // Its own executable's descriptor (right above the socket) has no use here, and must not
    // reach a child.
    if sysfs::close_from(fd as u32 + 1).is_err() {
        return 2;
    }
    // SAFETY: the launcher placed the zygote's socket at this number for us.
    let stream = unsafe { UnixStream::from_raw_fd(fd) };
    let mut ch = Channel::new(stream);
    let mut fds: Vec<(OwnedFd, RawFd)> = Vec::new();
    loop {
        match ch.recv::<ToZygote>() {
            Ok(ToZygote::Fd { target }) => match ch.take_fd() {
                Some(received) => fds.push((received, target)),
                None => {
                    let _ = ch.send(&FromZygote::Failed(protocol_failure("a descriptor frame without its descriptor")));
                }
            },
            Ok(ToZygote::Fork { control }) => {
                let placed = std::mem::take(&mut fds);
                match ns::clone_sibling(0) {
                    Ok(ns::Forked::Child) => child(placed, control),
                    Ok(ns::Forked::Parent(pid)) => {
                        drop(placed);
                        if ch.send(&FromZygote::Forked { pid }).is_err() {
                            return 0;
                        }
                    }
                    Err(errno) => {
                        let f = protocol_failure(format!("fork a stage 0: {errno:?}"));
                        let _ = ch.send(&FromZygote::Failed(f));
                    }
                }
            }
            // The runtime has gone, or speaks nonsense: either way nothing more to do.
            Err(_) => return 0,
        }
    }
}

/// The new stage 0: the request's descriptors at their numbers, nothing else open.
fn child(fds: Vec<(OwnedFd, RawFd)>, control: RawFd) -> ! {
    if sysfs::place_descriptors(fds).is_err() {
        process::exit_now(2);
    }
    process::exit_now(stage0(control))
}

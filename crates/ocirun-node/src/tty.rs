//! The terminal relay of a foreground `run` or `exec` (see ocirun-core's launcher::tty_relay).

use std::os::fd::AsFd;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use ocirun_core::launcher::tty_relay;
use ocirun_core::launcher::LaunchError;
use ocirun_core::sys::{fs as sysfs, Errno};

use crate::failure::{failure, NativeFailure};
use crate::task::{blocking, Blocking};

/// Relays between this process's stdin/stdout and the terminal master `master`, with stdin in
/// raw mode when it is a terminal, until the container side closes or `stop` (the read end of
/// a pipe) becomes readable. Holds a thread of the pool while it runs.
#[napi(ts_return_type = "Promise<NativeFailure | null>")]
pub fn relay_terminal(master: i32, stop: i32) -> AsyncTask<Blocking<Option<NativeFailure>>> {
    blocking(move || {
        relay(master, stop)
            .err()
            .map(|errno| failure(LaunchError::Path { what: "relay the terminal", path: "/dev/ptmx".into(), errno }))
    })
}

fn relay(master: i32, stop: i32) -> Result<(), Errno> {
    let (Some(m), Some(s), Some(out)) = (sysfs::inherited(master), sysfs::inherited(stop), sysfs::inherited(1)) else {
        return Err(Errno::EBADF);
    };
    match sysfs::inherited(0) {
        Some(input) => tty_relay::relay(m, input, out, s),
        None => {
            // Without a stdin, /dev/null stands in: nothing is ever typed.
            let null = sysfs::openat(None, std::path::Path::new("/dev/null"), libc::O_RDONLY, 0)?;
            tty_relay::relay(m, null.as_fd(), out, s)
        }
    }
}

/// Gives the master the window size of this process's terminal (stdin, else stdout): at the
/// start and on SIGWINCH. False when this process has no terminal.
#[napi]
pub fn resize_terminal(master: i32) -> bool {
    let Some(m) = sysfs::inherited(master) else { return false };
    [0, 1].iter().filter_map(|fd| sysfs::inherited(*fd)).any(|from| tty_relay::copy_winsize(from, m).is_ok())
}

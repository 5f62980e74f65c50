//! NOTIFY_SOCKET passthrough (sd_notify), as runc does it: the container gets a socket of
//! ocirun's own, bound in the state directory and mounted at /run/notify, and ocirun passes the
//! container's READY= on to the socket it was given, followed by MAINPID=<the init's pid>.
//! The host's socket is never exposed to the container.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::{Path, PathBuf};

use super::{signal, LaunchError};
use crate::spec::Mount;
use crate::sys::{fs as sysfs, pidfd, Errno};

/// The state directory's subdirectory that holds the socket (mounted into the container).
pub const DIR_NAME: &str = "notify";
pub const SOCKET_NAME: &str = "notify.sock";
/// Where the container sees that directory, and so its NOTIFY_SOCKET.
pub const CONTAINER_DIR: &str = "/run/notify";

/// The container's NOTIFY_SOCKET entry.
pub fn container_env() -> String {
    format!("NOTIFY_SOCKET={CONTAINER_DIR}/{SOCKET_NAME}")
}

/// The mount that shows the state directory's notify/ in the container, read-only: a socket
/// can be sent to on a read-only mount, and nothing else can be put there.
pub fn container_mount(state_dir: &Path) -> Mount {
    Mount {
        destination: CONTAINER_DIR.into(),
        kind: Some("bind".into()),
        source: Some(state_dir.join(DIR_NAME).to_string_lossy().into_owned()),
        options: ["bind", "nosuid", "noexec", "nodev", "ro"].map(String::from).to_vec(),
        ..Mount::default()
    }
}

/// Makes the state directory's notify/ (at create, before the init mounts it).
pub fn make_dir(state_dir: &Path) -> Result<(), LaunchError> {
    let path = state_dir.join(DIR_NAME);
    sysfs::mkdirat(None, &path, 0o755).map_err(|errno| LaunchError::Path { what: "make", path, errno })
}

fn io_errno(e: &io::Error) -> Errno {
    e.raw_os_error().map_or(Errno::EIO, Errno::from_raw)
}

/// A path under a directory held open, short enough for sun_path (108 bytes) however long the
/// directory's own path is (a custom --root can make it long).
struct ShortPath {
    _dir: OwnedFd,
    path: PathBuf,
}

fn short_path(dir: &Path, name: &str) -> Result<ShortPath, LaunchError> {
    let fd = sysfs::openat(None, dir, libc::O_PATH | libc::O_DIRECTORY, 0).map_err(|errno| LaunchError::Path {
        what: "open",
        path: dir.to_owned(),
        errno,
    })?;
    let path = sysfs::fd_path(fd.as_fd()).join(name);
    Ok(ShortPath { _dir: fd, path })
}

/// The socket the container sends to. Bound before the container is released, so that nothing
/// it sends is lost; anyone may send (the container's user may not be root).
pub struct Listener {
    sock: UnixDatagram,
}

impl Listener {
    /// Binds `<state_dir>/notify/notify.sock`, replacing a socket an earlier start left.
    pub fn bind(state_dir: &Path) -> Result<Listener, LaunchError> {
        let dir = state_dir.join(DIR_NAME);
        let short = short_path(&dir, SOCKET_NAME)?;
        let shown = dir.join(SOCKET_NAME);
        let err = |what, errno| LaunchError::Path { what, path: shown.clone(), errno };
        match std::fs::remove_file(&short.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(err("remove", io_errno(&e))),
            _ => {}
        }
        let sock = UnixDatagram::bind(&short.path).map_err(|e| err("bind", io_errno(&e)))?;
        std::fs::set_permissions(&short.path, std::fs::Permissions::from_mode(0o777))
            .map_err(|e| err("chmod", io_errno(&e)))?;
        Ok(Listener { sock })
    }

    /// Waits for the container's READY= (or its init's exit, which ends the wait without a
    /// word to the host), then sends it to `host` (a path, or @name for an abstract socket),
    /// and with `main_pid` also MAINPID=<pid>, so that systemd watches the container's init.
    /// Returns whether READY= was passed on.
    pub fn relay(&self, host: &str, pid: i32, start_time: u64, main_pid: bool) -> Result<bool, LaunchError> {
        let Some(init) = signal::open_verified(pid, start_time)? else { return Ok(false) };
        let mut buf = vec![0u8; 4096];
        loop {
            let ready = pidfd::poll_readable(&[self.sock.as_fd(), init.as_fd()], -1)
                .map_err(|errno| LaunchError::Wait { pid, errno })?;
            if ready.contains(&0) {
                let n = match self.sock.recv(&mut buf) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(LaunchError::Notify { what: "receive from the container", errno: io_errno(&e) })
                    }
                };
                if let Some(line) = ready_line(&buf[..n]) {
                    let mut message = line.to_vec();
                    message.push(b'\n');
                    send(host, &message)?;
                    if main_pid {
                        send(host, format!("MAINPID={pid}\n").as_bytes())?;
                    }
                    return Ok(true);
                }
            } else if ready.contains(&1) {
                return Ok(false);
            }
        }
    }
}

/// The READY= line of a datagram, if it has one (a datagram may hold several KEY=VALUE lines).
fn ready_line(datagram: &[u8]) -> Option<&[u8]> {
    datagram.split(|&b| b == b'\n').find(|line| line.starts_with(b"READY="))
}

fn send(host: &str, message: &[u8]) -> Result<(), LaunchError> {
    let err = |e: io::Error| LaunchError::Notify { what: "send to NOTIFY_SOCKET", errno: io_errno(&e) };
    let sock = UnixDatagram::unbound().map_err(err)?;
    if let Some(name) = host.strip_prefix('@') {
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).map_err(err)?;
        sock.send_to_addr(message, &addr).map_err(err)?;
        return Ok(());
    }
    let path = Path::new(host);
    // Through the directory's descriptor when the path is too long for sun_path.
    let short = match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) if host.len() >= 108 => Some(short_path(dir, &name.to_string_lossy())?),
        _ => None,
    };
    sock.send_to(message, short.as_ref().map_or(path, |s| s.path.as_path())).map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ready_line_is_found_among_others() {
        assert_eq!(ready_line(b"STATUS=starting\nREADY=1\n"), Some(&b"READY=1"[..]));
        assert_eq!(ready_line(b"STATUS=starting\n"), None);
    }

    #[test]
    fn ready_reaches_the_host_socket_with_the_main_pid() {
        let dir = std::env::temp_dir().join(format!("ocirun-notify-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(DIR_NAME)).expect("mkdir");
        let host_path = dir.join("host.sock");
        let host = UnixDatagram::bind(&host_path).expect("bind host");
        let listener = Listener::bind(&dir).expect("bind");
        let child = std::process::Command::new("sleep").arg("5").spawn().expect("spawn");
        let pid = child.id() as i32;
        let start = super::super::procfs::stat(pid).expect("stat").start_time;
        UnixDatagram::unbound()
            .expect("socket")
            .send_to(b"STATUS=up\nREADY=1", dir.join(DIR_NAME).join(SOCKET_NAME))
            .expect("send");
        assert!(listener.relay(&host_path.to_string_lossy(), pid, start, true).expect("relay"));
        let mut buf = [0u8; 64];
        let n = host.recv(&mut buf).expect("recv");
        assert_eq!(&buf[..n], b"READY=1\n");
        let n = host.recv(&mut buf).expect("recv");
        assert_eq!(&buf[..n], format!("MAINPID={pid}\n").as_bytes());
        let mut child = child;
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
    }
}

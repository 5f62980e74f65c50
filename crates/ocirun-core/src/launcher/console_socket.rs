//! `--console-socket`: the terminal's master goes to a Unix socket with SCM_RIGHTS, as runc
//! sends it, which is what conmon and containerd's shim wait for.

use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;

use super::LaunchError;
use crate::sys::{scm, Errno};

/// The bytes that go with the descriptor: its name, as runc sends it (receivers ignore it or
/// use it to name the file).
const MASTER_NAME: &[u8] = b"/dev/ptmx";

pub fn send_master(path: &Path, master: BorrowedFd<'_>) -> Result<(), LaunchError> {
    let err = |errno| LaunchError::ConsoleSocket { path: path.to_path_buf(), errno };
    let io = |e: std::io::Error| err(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)));
    let stream = UnixStream::connect(path).map_err(io)?;
    let sent = scm::send_with_fd(stream.as_fd(), MASTER_NAME, master).map_err(err)?;
    if sent < MASTER_NAME.len() {
        use std::io::Write;
        (&stream).write_all(&MASTER_NAME[sent..]).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    #[test]
    fn the_receiver_gets_the_descriptor_and_its_name() {
        let dir = std::env::temp_dir().join(format!("ocirun-console-{}", std::process::id()));
        let _ = std::fs::create_dir(&dir);
        let path = dir.join("console.sock");
        let _ = std::fs::remove_file(&path);
        let receiver = UnixListener::bind(&path).expect("bind");
        let file = std::fs::File::open("/dev/null").expect("open");
        send_master(&path, file.as_fd()).expect("send");
        let (conn, _) = receiver.accept().expect("accept");
        let mut buf = [0u8; 64];
        let (n, fd) = scm::recv_with_fd(conn.as_fd(), &mut buf).expect("recv");
        assert!(fd.is_some());
        assert_eq!(&buf[..n], MASTER_NAME);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_socket_nobody_listens_on_is_an_error_naming_it() {
        let file = std::fs::File::open("/dev/null").expect("open");
        let e = send_master(Path::new("/nonexistent/console.sock"), file.as_fd()).expect_err("fails");
        assert!(e.to_string().contains("/nonexistent/console.sock"), "{e}");
    }
}

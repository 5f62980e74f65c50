//! Handing a seccomp notification descriptor to the agent at `linux.seccomp.listenerPath`: one
//! connection, the spec's container process state as JSON with the descriptor attached
//! (SCM_RIGHTS) in the first sendmsg, then the connection closes.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use super::LaunchError;
use crate::spec::{Spec, OCI_VERSION};
use crate::sys::{scm, Errno};

/// Where the descriptor goes, and what the state says about the container.
#[derive(Debug, Clone)]
pub struct Listener {
    path: PathBuf,
    metadata: Option<String>,
    id: String,
    bundle: PathBuf,
    annotations: BTreeMap<String, String>,
}

impl Listener {
    /// The listener of the spec's profile, if it names one, for container `id` of `bundle`.
    pub fn of(spec: &Spec, id: &str, bundle: &Path) -> Option<Listener> {
        let seccomp = spec.linux().seccomp.as_ref()?;
        Some(Listener {
            path: PathBuf::from(seccomp.listener_path.as_ref()?),
            metadata: seccomp.listener_metadata.clone(),
            id: id.to_string(),
            bundle: bundle.to_path_buf(),
            annotations: spec.annotations.clone(),
        })
    }

    /// The container process state (config-linux.md) for the container's init `pid`.
    pub fn state(&self, pid: i32) -> serde_json::Value {
        let mut state = serde_json::json!({
            "ociVersion": OCI_VERSION,
            "fds": ["seccompFd"],
            "pid": pid,
            "state": {
                "ociVersion": OCI_VERSION,
                "id": self.id,
                "status": "creating",
                "pid": pid,
                "bundle": self.bundle,
                "annotations": self.annotations,
            },
        });
        if let Some(m) = &self.metadata {
            state["metadata"] = m.clone().into();
        }
        state
    }

    /// Connects, sends the state with the descriptor, and closes.
    pub fn send(&self, pid: i32, fd: BorrowedFd<'_>) -> Result<(), LaunchError> {
        let err = |e: std::io::Error| LaunchError::SeccompListener {
            path: self.path.clone(),
            errno: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
        };
        let bytes = serde_json::to_vec(&self.state(pid))?;
        let mut stream = UnixStream::connect(&self.path).map_err(err)?;
        let sent = scm::send_with_fd(stream.as_fd(), &bytes, fd).map_err(|errno| err(errno.into()))?;
        stream.write_all(&bytes[sent..]).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::net::UnixListener;

    fn listener(path: PathBuf) -> Listener {
        let spec: Spec = serde_json::from_value(serde_json::json!({
            "ociVersion": "1.3.0", "annotations": { "k": "v" },
            "linux": { "seccomp": { "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": path, "listenerMetadata": "meta" } }
        }))
        .expect("spec");
        Listener::of(&spec, "c1", Path::new("/b")).expect("a listener")
    }

    #[test]
    fn the_agent_gets_the_state_and_the_descriptor_then_eof() {
        let dir = std::env::temp_dir().join(format!("ocirun-listener-{}", std::process::id()));
        let _ = std::fs::create_dir(&dir);
        let path = dir.join("agent.sock");
        let _ = std::fs::remove_file(&path);
        let agent = UnixListener::bind(&path).expect("bind");
        let file = std::fs::File::open("/proc/self/stat").expect("open");
        listener(path.clone()).send(4242, file.as_fd()).expect("send");
        let (conn, _) = agent.accept().expect("accept");
        let mut buf = vec![0u8; 4096];
        let (n, fd) = scm::recv_with_fd(conn.as_fd(), &mut buf).expect("recv");
        assert!(fd.is_some());
        let mut rest = Vec::new();
        (&conn).read_to_end(&mut rest).expect("eof");
        buf.truncate(n);
        buf.extend(rest);
        let state: serde_json::Value = serde_json::from_slice(&buf).expect("json");
        assert_eq!(state["fds"], serde_json::json!(["seccompFd"]));
        assert_eq!((state["pid"].as_i64(), state["metadata"].as_str()), (Some(4242), Some("meta")));
        assert_eq!(state["state"]["status"], "creating");
        assert_eq!(state["state"]["id"], "c1");
        assert_eq!(state["state"]["annotations"]["k"], "v");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn no_agent_listening_is_an_error_naming_the_path() {
        let e = listener("/nonexistent/agent.sock".into()).send(1, std::io::stdin().as_fd()).expect_err("fails");
        assert!(e.to_string().contains("/nonexistent/agent.sock"), "{e}");
    }
}

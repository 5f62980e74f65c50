//! The container's state as a hook reads it on stdin: the spec's state (runtime.md), which is
//! what runc gives its hooks too.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::spec::OCI_VERSION;

/// The statuses a hook can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Creating,
    Created,
    Running,
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub oci_version: String,
    pub id: String,
    pub status: Status,
    /// As the hook's own namespace sees the container's init; absent once it is stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<i32>,
    pub bundle: PathBuf,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl State {
    pub fn new(id: &str, bundle: PathBuf, annotations: BTreeMap<String, String>) -> State {
        State {
            oci_version: OCI_VERSION.to_string(),
            id: id.to_string(),
            status: Status::Creating,
            pid: None,
            bundle,
            annotations,
        }
    }

    /// This state as `status`, with the init at `pid`.
    pub fn at(&self, status: Status, pid: Option<i32>) -> State {
        State { status, pid, ..self.clone() }
    }

    pub fn to_json(&self) -> Vec<u8> {
        // A struct of strings, a map of strings and an integer always serialises.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_is_the_spec_state() {
        let s = State::new("c1", "/b".into(), BTreeMap::from([("k".to_string(), "v".to_string())]));
        let v: serde_json::Value = serde_json::from_slice(&s.at(Status::Created, Some(7)).to_json()).expect("json");
        assert_eq!(
            v,
            serde_json::json!({
                "ociVersion": OCI_VERSION, "id": "c1", "status": "created", "pid": 7, "bundle": "/b",
                "annotations": { "k": "v" }
            })
        );
    }

    #[test]
    fn a_stopped_container_has_no_pid_and_empty_annotations_are_left_out() {
        let s = State::new("c1", "/b".into(), BTreeMap::new()).at(Status::Stopped, None);
        let v: serde_json::Value = serde_json::from_slice(&s.to_json()).expect("json");
        assert_eq!(
            v,
            serde_json::json!({ "ociVersion": OCI_VERSION, "id": "c1", "status": "stopped", "bundle": "/b" })
        );
    }
}

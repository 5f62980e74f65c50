//! linux.cgroupsPath, read as runc reads it with its cgroupfs driver: an absolute path is below
//! each hierarchy's root; a relative one below the runtime's own cgroup; none at all means the
//! container id below the runtime's own cgroup.

use std::path::{Component, Path, PathBuf};

use super::error::{CgroupError, Result};
use super::layout::{self, Hierarchy};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupsPath {
    Absolute(PathBuf),
    Relative(PathBuf),
}

impl CgroupsPath {
    pub fn parse(cgroups_path: Option<&str>, id: &str) -> Result<CgroupsPath> {
        let field = "linux.cgroupsPath";
        let Some(p) = cgroups_path.filter(|p| !p.is_empty()) else {
            return Ok(CgroupsPath::Relative(PathBuf::from(id)));
        };
        if !p.starts_with('/') && p.split(':').count() == 3 {
            return Err(CgroupError::setting(
                field,
                format!("{p:?} is in systemd's slice:prefix:name form, which needs the systemd cgroup driver (--systemd-cgroup)"),
            ));
        }
        let path = Path::new(p);
        if path.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(CgroupError::setting(field, format!("{p:?} may not contain \"..\"")));
        }
        let clean: PathBuf = path.components().filter(|c| matches!(c, Component::Normal(_))).collect();
        if clean.as_os_str().is_empty() {
            return Err(CgroupError::setting(field, format!("{p:?} names the root cgroup")));
        }
        Ok(if path.is_absolute() {
            CgroupsPath::Absolute(Path::new("/").join(clean))
        } else {
            CgroupsPath::Relative(clean)
        })
    }

    /// The container's directory in hierarchy `h`, given the runtime's own cgroups.
    pub fn dir_in(&self, h: &Hierarchy, own: &[(Vec<String>, PathBuf)]) -> PathBuf {
        match self {
            CgroupsPath::Absolute(p) => h.mountpoint.join(p.strip_prefix("/").unwrap_or(p)),
            CgroupsPath::Relative(p) => {
                let base = layout::own_path(h, own).unwrap_or(Path::new("/"));
                layout::dir_of(h, &base.join(p))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Hierarchy {
        Hierarchy {
            mountpoint: "/sys/fs/cgroup/memory".into(),
            mount_root: "/".into(),
            v2: false,
            controllers: vec!["memory".into()],
        }
    }

    #[test]
    fn no_path_means_the_id_below_our_own_cgroup() {
        let own = vec![(vec!["memory".to_string()], PathBuf::from("/process_api/abc"))];
        let p = CgroupsPath::parse(None, "c1").expect("parse");
        assert_eq!(p.dir_in(&memory(), &own), PathBuf::from("/sys/fs/cgroup/memory/process_api/abc/c1"));
    }

    #[test]
    fn an_absolute_path_is_below_the_hierarchy_root() {
        let own = vec![(vec!["memory".to_string()], PathBuf::from("/process_api/abc"))];
        let p = CgroupsPath::parse(Some("/machine/c1"), "c1").expect("parse");
        assert_eq!(p.dir_in(&memory(), &own), PathBuf::from("/sys/fs/cgroup/memory/machine/c1"));
    }

    #[test]
    fn a_relative_path_is_below_our_own_cgroup() {
        let own = vec![(vec!["memory".to_string()], PathBuf::from("/x"))];
        let p = CgroupsPath::parse(Some("pods/c1"), "c1").expect("parse");
        assert_eq!(p.dir_in(&memory(), &own), PathBuf::from("/sys/fs/cgroup/memory/x/pods/c1"));
    }

    #[test]
    fn paths_that_escape_or_need_systemd_are_refused() {
        assert!(CgroupsPath::parse(Some("/a/../../etc"), "c").is_err());
        assert!(CgroupsPath::parse(Some("system.slice:ocirun:c1"), "c").is_err());
        assert!(CgroupsPath::parse(Some("/"), "c").is_err());
    }
}

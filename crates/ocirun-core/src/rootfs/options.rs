//! config.json mount options, sorted into what each part of the mount API takes: mount
//! attributes (per mount, and recursive ones), propagation, superblock flags, bind and the
//! filesystem's own parameters.

use crate::sys::mount::{
    MountAttr, MOUNT_ATTR_NOATIME, MOUNT_ATTR_NODEV, MOUNT_ATTR_NODIRATIME, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID,
    MOUNT_ATTR_NOSYMFOLLOW, MOUNT_ATTR_RDONLY, MOUNT_ATTR_RELATIME, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME,
};

/// A propagation change, and whether it applies to the whole subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Propagation {
    pub flag: u64,
    pub recursive: bool,
}

/// A filesystem parameter ("size=64k" or "newinstance").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsParam {
    pub key: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountOptions {
    pub bind: bool,
    pub recursive_bind: bool,
    /// Attributes of the mount itself (ro, nosuid, noatime, ...).
    pub attrs: MountAttr,
    /// Attributes to apply to every mount of the subtree (rro, rnosuid, ...).
    pub recursive_attrs: MountAttr,
    pub propagation: Vec<Propagation>,
    /// Superblock flags the VFS takes as parameters ("sync", "lazytime", ...).
    pub sb_flags: Vec<String>,
    /// Everything else: parameters of the filesystem itself.
    pub params: Vec<FsParam>,
    pub remount: bool,
    pub tmpcopyup: bool,
    /// idmap or ridmap: the bind is idmapped (see idmap.rs).
    pub idmap: bool,
    /// ridmap: every mount of an rbind's subtree is idmapped, not only its top.
    pub recursive_idmap: bool,
}

/// What an option means for a mount attribute: set or clear `bits`.
#[derive(Debug, Clone, Copy)]
enum AttrChange {
    Set(u64),
    Clear(u64),
    Atime(u64),
}

/// The options that are mount attributes; each also has a recursive form ("r" + name).
const ATTR_OPTIONS: &[(&str, AttrChange)] = &[
    ("ro", AttrChange::Set(MOUNT_ATTR_RDONLY)),
    ("rw", AttrChange::Clear(MOUNT_ATTR_RDONLY)),
    ("nosuid", AttrChange::Set(MOUNT_ATTR_NOSUID)),
    ("suid", AttrChange::Clear(MOUNT_ATTR_NOSUID)),
    ("nodev", AttrChange::Set(MOUNT_ATTR_NODEV)),
    ("dev", AttrChange::Clear(MOUNT_ATTR_NODEV)),
    ("noexec", AttrChange::Set(MOUNT_ATTR_NOEXEC)),
    ("exec", AttrChange::Clear(MOUNT_ATTR_NOEXEC)),
    ("nodiratime", AttrChange::Set(MOUNT_ATTR_NODIRATIME)),
    ("diratime", AttrChange::Clear(MOUNT_ATTR_NODIRATIME)),
    ("nosymfollow", AttrChange::Set(MOUNT_ATTR_NOSYMFOLLOW)),
    ("symfollow", AttrChange::Clear(MOUNT_ATTR_NOSYMFOLLOW)),
    ("noatime", AttrChange::Atime(MOUNT_ATTR_NOATIME)),
    ("strictatime", AttrChange::Atime(MOUNT_ATTR_STRICTATIME)),
    ("relatime", AttrChange::Atime(MOUNT_ATTR_RELATIME)),
    // Turning one of the atime modes off leaves the kernel's default, relatime.
    ("atime", AttrChange::Atime(MOUNT_ATTR_RELATIME)),
    ("norelatime", AttrChange::Atime(MOUNT_ATTR_RELATIME)),
    ("nostrictatime", AttrChange::Atime(MOUNT_ATTR_RELATIME)),
];

fn attr_change(name: &str) -> Option<AttrChange> {
    ATTR_OPTIONS.iter().find(|(n, _)| *n == name).map(|(_, change)| *change)
}

fn apply(attr: &mut MountAttr, change: AttrChange) {
    match change {
        AttrChange::Set(b) => {
            attr.attr_set |= b;
            attr.attr_clr &= !b;
        }
        AttrChange::Clear(b) => {
            attr.attr_clr |= b;
            attr.attr_set &= !b;
        }
        AttrChange::Atime(mode) => {
            attr.attr_set = (attr.attr_set & !MOUNT_ATTR__ATIME) | mode;
            attr.attr_clr |= MOUNT_ATTR__ATIME;
        }
    }
}

/// The propagation options; each also has a recursive form ("r" + name).
const PROPAGATION_OPTIONS: &[(&str, u64)] = &[
    ("private", libc::MS_PRIVATE),
    ("shared", libc::MS_SHARED),
    ("slave", libc::MS_SLAVE),
    ("unbindable", libc::MS_UNBINDABLE),
];

fn propagation(name: &str) -> Option<Propagation> {
    let find = |n: &str| PROPAGATION_OPTIONS.iter().find(|(p, _)| *p == n).map(|(_, flag)| *flag);
    match (find(name), name.strip_prefix('r').and_then(find)) {
        (Some(flag), _) => Some(Propagation { flag, recursive: false }),
        (None, Some(flag)) => Some(Propagation { flag, recursive: true }),
        (None, None) => None,
    }
}

/// Superblock flags that fsconfig accepts by name.
const SB_FLAGS: &[&str] = &["sync", "async", "dirsync", "mand", "nomand", "lazytime", "nolazytime"];

/// The options [`MountOptions::parse`] takes by name, besides the tables above.
const OTHER_OPTIONS: &[&str] =
    &["bind", "rbind", "remount", "tmpcopyup", "idmap", "ridmap", "defaults", "loud", "silent"];

impl MountOptions {
    /// Every option name this parser recognises (anything else is a parameter of the
    /// filesystem), sorted: what `features` lists as mountOptions.
    pub fn recognised() -> Vec<String> {
        let with_recursive = ATTR_OPTIONS.iter().map(|(n, _)| *n).chain(PROPAGATION_OPTIONS.iter().map(|(n, _)| *n));
        let mut names: Vec<String> = OTHER_OPTIONS.iter().chain(SB_FLAGS).map(|n| n.to_string()).collect();
        for name in with_recursive {
            names.push(name.to_string());
            names.push(format!("r{name}"));
        }
        names.sort_unstable();
        names.dedup();
        names
    }

    pub fn parse(options: &[String]) -> MountOptions {
        let mut o = MountOptions::default();
        for opt in options {
            let opt = opt.as_str();
            match opt {
                "bind" => o.bind = true,
                "rbind" => {
                    o.bind = true;
                    o.recursive_bind = true;
                }
                "remount" => o.remount = true,
                "tmpcopyup" => o.tmpcopyup = true,
                "idmap" => o.idmap = true,
                "ridmap" => {
                    o.idmap = true;
                    o.recursive_idmap = true;
                }
                // "defaults" is rw,suid,dev,exec,async: what a new mount has anyway. "silent"
                // (MS_SILENT) only quiets the kernel's log about a failed mount(2); fsconfig has
                // no such flag and filesystems refuse it as a parameter. "loud" undoes it.
                "defaults" | "loud" | "silent" => {}
                _ => {
                    if let Some(change) = attr_change(opt) {
                        apply(&mut o.attrs, change);
                    } else if let Some(change) = opt.strip_prefix('r').and_then(attr_change) {
                        apply(&mut o.recursive_attrs, change);
                    } else if let Some(p) = propagation(opt) {
                        o.propagation.push(p);
                    } else if SB_FLAGS.contains(&opt) {
                        o.sb_flags.push(opt.to_string());
                    } else {
                        let (key, value) = match opt.split_once('=') {
                            Some((k, v)) => (k.to_string(), Some(v.to_string())),
                            None => (opt.to_string(), None),
                        };
                        o.params.push(FsParam { key, value });
                    }
                }
            }
        }
        o
    }

    /// The attribute flags fsmount(2) takes for a new mount: only those set.
    pub fn fsmount_flags(&self) -> u64 {
        self.attrs.attr_set
    }

    /// These options with linux.mountLabel as the SELinux `context` of a new `fstype`
    /// superblock, where runc adds it: not proc and sysfs (which label themselves), mqueue
    /// (labelled after the mount) nor cgroup filesystems.
    pub fn with_mount_label(&self, fstype: &str, label: Option<&str>) -> MountOptions {
        let mut o = self.clone();
        let takes_label = !matches!(fstype, "proc" | "sysfs" | "mqueue" | "cgroup" | "cgroup2");
        if let Some(l) = label.filter(|l| !l.is_empty() && takes_label) {
            o.params.push(FsParam { key: "context".into(), value: Some(l.to_string()) });
        }
        o
    }

    /// The filesystem parameters as mount(2)'s data string ("size=64k,mode=755"). A value
    /// with commas (an SELinux context with categories) is quoted, as mount(8) does.
    pub fn data_string(&self) -> String {
        self.params
            .iter()
            .map(|p| match &p.value {
                Some(v) if v.contains(',') => format!("{}=\"{}\"", p.key, v),
                Some(v) => format!("{}={}", p.key, v),
                None => p.key.clone(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// mount(2) flags for the attributes, for the paths that still need the old API.
    pub fn legacy_flags(&self) -> u64 {
        let mut f = 0;
        let set = self.attrs.attr_set;
        if set & MOUNT_ATTR_RDONLY != 0 {
            f |= libc::MS_RDONLY;
        }
        if set & MOUNT_ATTR_NOSUID != 0 {
            f |= libc::MS_NOSUID;
        }
        if set & MOUNT_ATTR_NODEV != 0 {
            f |= libc::MS_NODEV;
        }
        if set & MOUNT_ATTR_NOEXEC != 0 {
            f |= libc::MS_NOEXEC;
        }
        if set & MOUNT_ATTR_NODIRATIME != 0 {
            f |= libc::MS_NODIRATIME;
        }
        match set & MOUNT_ATTR__ATIME {
            MOUNT_ATTR_NOATIME => f |= libc::MS_NOATIME,
            MOUNT_ATTR_STRICTATIME => f |= libc::MS_STRICTATIME,
            _ => {}
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(opts: &[&str]) -> MountOptions {
        MountOptions::parse(&opts.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn plain_flags_become_mount_attributes() {
        let o = parse(&["nosuid", "noexec", "nodev", "ro"]);
        assert_eq!(o.attrs.attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV | MOUNT_ATTR_RDONLY);
        assert!(o.params.is_empty());
    }

    #[test]
    fn a_later_option_overrides_an_earlier_one() {
        let o = parse(&["ro", "rw"]);
        assert_eq!(o.attrs.attr_set & MOUNT_ATTR_RDONLY, 0);
        assert_ne!(o.attrs.attr_clr & MOUNT_ATTR_RDONLY, 0);
    }

    #[test]
    fn recursive_variants_go_to_the_recursive_set() {
        let o = parse(&["rbind", "rro", "rnosuid"]);
        assert!(o.bind && o.recursive_bind);
        assert_eq!(o.recursive_attrs.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);
        assert_eq!(o.attrs.attr_set, 0);
    }

    #[test]
    fn ridmap_idmaps_the_whole_subtree_and_idmap_only_the_top() {
        let (top, all) = (parse(&["rbind", "idmap"]), parse(&["rbind", "ridmap"]));
        assert!(top.idmap && !top.recursive_idmap);
        assert!(all.idmap && all.recursive_idmap);
        assert!(top.params.is_empty() && all.params.is_empty());
    }

    #[test]
    fn propagation_options_are_recognised() {
        let o = parse(&["rprivate", "slave"]);
        assert_eq!(
            o.propagation,
            vec![
                Propagation { flag: libc::MS_PRIVATE, recursive: true },
                Propagation { flag: libc::MS_SLAVE, recursive: false }
            ]
        );
    }

    #[test]
    fn unknown_options_are_filesystem_parameters() {
        let o = parse(&["mode=755", "size=65536k", "newinstance", "strictatime"]);
        assert_eq!(o.data_string(), "mode=755,size=65536k,newinstance");
        assert_eq!(o.attrs.attr_set & MOUNT_ATTR__ATIME, MOUNT_ATTR_STRICTATIME);
    }

    #[test]
    fn the_mount_label_is_a_context_parameter_of_new_superblocks_that_take_it() {
        let o = parse(&["mode=755"]).with_mount_label("tmpfs", Some("system_u:object_r:container_file_t:s0:c1,c2"));
        assert_eq!(o.data_string(), "mode=755,context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
        assert_eq!(o.params[1].value.as_deref(), Some("system_u:object_r:container_file_t:s0:c1,c2"));
        assert!(parse(&[]).with_mount_label("proc", Some("l")).params.is_empty());
        assert!(parse(&[]).with_mount_label("tmpfs", None).params.is_empty());
    }

    #[test]
    fn every_recognised_option_is_taken_by_name_not_passed_to_the_filesystem() {
        let names = MountOptions::recognised();
        for name in ["ro", "rro", "nosymfollow", "rnosymfollow", "rslave", "bind", "tmpcopyup", "lazytime"] {
            assert!(names.contains(&name.to_string()), "{name}");
        }
        for name in &names {
            assert!(parse(&[name]).params.is_empty(), "{name} became a filesystem parameter");
        }
        assert!(!names.contains(&"mode".to_string()));
    }

    #[test]
    fn superblock_flags_are_kept_apart() {
        let o = parse(&["sync", "lazytime"]);
        assert_eq!(o.sb_flags, vec!["sync".to_string(), "lazytime".to_string()]);
    }
}

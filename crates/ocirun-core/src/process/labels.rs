//! process.apparmorProfile and process.selinuxLabel: the LSM label the program is executed
//! with, set through /proc/self/attr before the exec, as runc does. linux.mountLabel is added to
//! the mounts in rootfs. Whether the host has the LSM at all is checked before anything starts.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use super::AttributeError;
use crate::spec::Process;
use crate::sys::{fs as sysfs, Errno};

const PROC_SUPER_MAGIC: i64 = 0x9fa0;
const PROC_ROOT_INO: u64 = 1;

/// AppArmor is on when its module parameter says so.
pub fn apparmor_enabled() -> bool {
    std::fs::read_to_string("/sys/module/apparmor/parameters/enabled").is_ok_and(|s| s.starts_with('Y'))
}

/// SELinux is on when selinuxfs is mounted where the kernel puts it.
pub fn selinux_enabled() -> bool {
    Path::new("/sys/fs/selinux/enforce").exists()
}

/// One write to a /proc/self/attr file: the files to try, newest interface first, and the value.
#[derive(Debug, PartialEq, Eq)]
pub struct AttrWrite {
    pub field: &'static str,
    pub files: &'static [&'static str],
    pub value: String,
}

/// AppArmor: "exec PROFILE" to its own attr directory, or to the shared file of older kernels.
pub fn apparmor_exec(profile: &str) -> AttrWrite {
    AttrWrite {
        field: "process.apparmorProfile",
        files: &["self/attr/apparmor/exec", "self/attr/exec"],
        value: format!("exec {profile}"),
    }
}

/// SELinux: the bare context to the shared exec file.
pub fn selinux_exec(label: &str) -> AttrWrite {
    AttrWrite { field: "process.selinuxLabel", files: &["self/attr/exec"], value: label.to_string() }
}

/// The exec labels the process asks for.
pub fn exec_labels(p: &Process) -> Vec<AttrWrite> {
    let apparmor = p.apparmor_profile.as_deref().filter(|s| !s.is_empty()).map(apparmor_exec);
    let selinux = p.selinux_label.as_deref().filter(|s| !s.is_empty()).map(selinux_exec);
    apparmor.into_iter().chain(selinux).collect()
}

/// Writes the exec labels. They take effect at the next execve, which is the program's.
pub fn set_exec_labels(p: &Process) -> Result<(), AttributeError> {
    let writes = exec_labels(p);
    if writes.is_empty() {
        return Ok(());
    }
    let proc = open_procfs().map_err(|errno| AttributeError::ExecLabel {
        field: writes[0].field,
        what: "open a verified /proc".into(),
        errno,
    })?;
    for w in &writes {
        write_attr(proc.as_fd(), w)?;
    }
    Ok(())
}

/// The root of a real procfs: the container's /proc could be anything its image put there.
fn open_procfs() -> Result<OwnedFd, Errno> {
    let fd = sysfs::openat(None, Path::new("/proc"), libc::O_PATH | libc::O_DIRECTORY, 0)?;
    verify_procfs(fd.as_fd(), true)?;
    Ok(fd)
}

fn verify_procfs(fd: BorrowedFd<'_>, root: bool) -> Result<(), Errno> {
    if sysfs::fstatfs(fd)?.f_type as i64 != PROC_SUPER_MAGIC {
        return Err(Errno::EXDEV);
    }
    if root && sysfs::fstat(fd)?.st_ino != PROC_ROOT_INO {
        return Err(Errno::EXDEV);
    }
    Ok(())
}

/// Opens the first attr file that exists below the verified procfs, never leaving it (no
/// magic links, no other mount), checks it is procfs again, and writes the value.
fn write_attr(proc: BorrowedFd<'_>, w: &AttrWrite) -> Result<(), AttributeError> {
    const RESOLVE: u64 = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS | libc::RESOLVE_NO_XDEV;
    let mut last = Errno::ENOENT;
    for file in w.files {
        let err = |errno| AttributeError::ExecLabel { field: w.field, what: format!("write /proc/{file}"), errno };
        let fd = match sysfs::openat2(Some(proc), Path::new(file), libc::O_WRONLY, 0, RESOLVE) {
            Ok(fd) => fd,
            Err(Errno::ENOENT) => {
                last = Errno::ENOENT;
                continue;
            }
            Err(errno) => return Err(err(errno)),
        };
        verify_procfs(fd.as_fd(), false).map_err(err)?;
        return sysfs::write_all(fd.as_fd(), w.value.as_bytes()).map_err(err);
    }
    Err(AttributeError::ExecLabel { field: w.field, what: "find the attr file in /proc/self/attr".into(), errno: last })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apparmor_writes_exec_profile_to_its_own_file_first() {
        let w = apparmor_exec("docker-default");
        assert_eq!(w.value, "exec docker-default");
        assert_eq!(w.files, &["self/attr/apparmor/exec", "self/attr/exec"]);
    }

    #[test]
    fn selinux_writes_the_bare_context() {
        let w = selinux_exec("system_u:system_r:container_t:s0:c1,c2");
        assert_eq!(w.value, "system_u:system_r:container_t:s0:c1,c2");
        assert_eq!(w.files, &["self/attr/exec"]);
    }

    #[test]
    fn only_the_labels_asked_for_are_written() {
        let mut p = Process { apparmor_profile: Some("p".into()), ..Default::default() };
        assert_eq!(exec_labels(&p).len(), 1);
        p.apparmor_profile = Some(String::new());
        assert!(exec_labels(&p).is_empty());
        p.selinux_label = Some("l".into());
        assert_eq!(exec_labels(&p)[0].field, "process.selinuxLabel");
    }

    #[test]
    fn the_host_proc_passes_verification_and_a_tmpfs_does_not() {
        let proc = open_procfs().expect("/proc");
        assert_eq!(verify_procfs(proc.as_fd(), true), Ok(()));
        let tmp = sysfs::openat(None, Path::new("/dev"), libc::O_PATH, 0).expect("/dev");
        assert_eq!(verify_procfs(tmp.as_fd(), true), Err(Errno::EXDEV));
    }
}

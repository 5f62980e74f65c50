//! The tmpcopyup option: a new tmpfs starts with a copy of what the directory it covers holds.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use crate::sys::{fs as sysfs, Errno};

/// Copies the contents of directory `from` into directory `to` (both descriptors), keeping
/// modes and owners. Symlinks are copied as links, never followed.
pub fn copy_into(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno> {
    let src = sysfs::openat(Some(from), Path::new("."), libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
    let entries = std::fs::read_dir(sysfs::fd_path(src.as_fd())).map_err(io_errno)?;
    for entry in entries {
        let entry = entry.map_err(io_errno)?;
        let name = entry.file_name();
        let name = Path::new(&name);
        let st = sysfs::fstatat(Some(src.as_fd()), name, libc::AT_SYMLINK_NOFOLLOW)?;
        match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => {
                sysfs::mkdirat(Some(to), name, st.st_mode & 0o7777)?;
                let sub_from = open_nofollow(src.as_fd(), name, libc::O_PATH | libc::O_DIRECTORY)?;
                let sub_to = open_nofollow(to, name, libc::O_PATH | libc::O_DIRECTORY)?;
                copy_into(sub_from.as_fd(), sub_to.as_fd())?;
                sysfs::fchown_fd(sub_to.as_fd(), st.st_uid, st.st_gid)?;
            }
            libc::S_IFREG => {
                let mut r = std::fs::File::from(open_nofollow(src.as_fd(), name, libc::O_RDONLY)?);
                let w = sysfs::openat(
                    Some(to),
                    name,
                    libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW,
                    st.st_mode & 0o7777,
                )?;
                let mut w = std::fs::File::from(w);
                std::io::copy(&mut r, &mut w).map_err(io_errno)?;
                sysfs::fchown_fd(w.as_fd(), st.st_uid, st.st_gid)?;
            }
            libc::S_IFLNK => {
                let target = sysfs::readlinkat(Some(src.as_fd()), name)?;
                sysfs::symlinkat(&target, Some(to), name)?;
                let link = open_nofollow(to, name, libc::O_PATH)?;
                sysfs::fchown_fd(link.as_fd(), st.st_uid, st.st_gid)?;
            }
            // Device nodes, fifos and sockets are not copied: a tmpfs over a directory is for
            // files, and recreating devices is what linux.devices is for.
            _ => {}
        }
    }
    Ok(())
}

fn open_nofollow(dir: BorrowedFd<'_>, name: &Path, flags: i32) -> Result<OwnedFd, Errno> {
    sysfs::openat(Some(dir), name, flags | libc::O_NOFOLLOW, 0)
}

fn io_errno(e: std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

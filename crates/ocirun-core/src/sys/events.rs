//! Descriptors through which the kernel reports events: eventfd(2) and inotify(7).
//
// Both are created non-blocking, so that a reader woken by poll(2) drains what is pending and
// never blocks when another reader got there first.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;

use super::{check_int, cpath, owned_fd, Errno, SysResult};

/// A new eventfd with a zero counter.
pub fn eventfd() -> SysResult<OwnedFd> {
    // SAFETY: only integers are passed.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
    owned_fd(fd as libc::c_long)
}

/// Takes the eventfd's counter (how many times it was signalled since the last read), or None
/// when it is zero.
pub fn eventfd_take(fd: BorrowedFd<'_>) -> SysResult<Option<u64>> {
    let mut buf = [0u8; 8];
    match super::fs::read(fd, &mut buf) {
        Ok(8) => Ok(Some(u64::from_ne_bytes(buf))),
        // The kernel always transfers the whole 8-byte counter.
        Ok(_) => Err(Errno::EIO),
        Err(Errno::EAGAIN) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A new inotify instance.
pub fn inotify_init() -> SysResult<OwnedFd> {
    // SAFETY: only integers are passed.
    let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
    owned_fd(fd as libc::c_long)
}

/// Watches `path` for the events in `mask` (libc::IN_*); returns the watch descriptor.
pub fn inotify_add_watch(inotify: BorrowedFd<'_>, path: &Path, mask: u32) -> SysResult<i32> {
    let c = cpath(path)?;
    // SAFETY: c is a valid C string for the call.
    check_int(unsafe { libc::inotify_add_watch(inotify.as_raw_fd(), c.as_ptr(), mask) })
}

/// One inotify event (the name of an event about a directory entry is not kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InotifyEvent {
    pub wd: i32,
    pub mask: u32,
}

/// The events pending on `inotify`; empty when there are none.
pub fn inotify_take(inotify: BorrowedFd<'_>) -> SysResult<Vec<InotifyEvent>> {
    // Room for many events, and for at least one carrying the longest name (NAME_MAX + NUL).
    let mut buf = [0u8; 4096];
    let mut events = Vec::new();
    loop {
        match super::fs::read(inotify, &mut buf) {
            Ok(0) | Err(Errno::EAGAIN) => return Ok(events),
            Ok(n) => events.extend(parse_inotify_events(&buf[..n])),
            Err(e) => return Err(e),
        }
    }
}

/// Size of struct inotify_event without its name: wd, mask, cookie and len, 4 bytes each.
const HEADER: usize = 16;

/// Splits what read(2) returned on an inotify descriptor into events.
pub fn parse_inotify_events(mut buf: &[u8]) -> Vec<InotifyEvent> {
    let word = |b: &[u8], at: usize| [b[at], b[at + 1], b[at + 2], b[at + 3]];
    let mut events = Vec::new();
    while buf.len() >= HEADER {
        let wd = i32::from_ne_bytes(word(buf, 0));
        let mask = u32::from_ne_bytes(word(buf, 4));
        let name_len = u32::from_ne_bytes(word(buf, 12)) as usize;
        events.push(InotifyEvent { wd, mask });
        buf = buf.get(HEADER + name_len..).unwrap_or_default();
    }
    events
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use super::*;

    fn raw_event(wd: i32, mask: u32, name: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(wd.to_ne_bytes());
        out.extend(mask.to_ne_bytes());
        out.extend(0u32.to_ne_bytes());
        out.extend((name.len() as u32).to_ne_bytes());
        out.extend(name);
        out
    }

    #[test]
    fn inotify_events_are_split_past_their_names() {
        let mut buf = raw_event(1, libc::IN_MODIFY, &[]);
        buf.extend(raw_event(2, libc::IN_CREATE, b"file\0\0\0\0\0\0\0\0\0\0\0\0"));
        buf.extend(raw_event(1, libc::IN_IGNORED, &[]));
        assert_eq!(
            parse_inotify_events(&buf),
            [
                InotifyEvent { wd: 1, mask: libc::IN_MODIFY },
                InotifyEvent { wd: 2, mask: libc::IN_CREATE },
                InotifyEvent { wd: 1, mask: libc::IN_IGNORED }
            ]
        );
    }

    #[test]
    fn a_truncated_event_is_dropped() {
        let buf = raw_event(1, libc::IN_MODIFY, &[]);
        assert!(parse_inotify_events(&buf[..HEADER - 1]).is_empty());
    }

    #[test]
    fn eventfd_counts_signals_until_taken() {
        let fd = eventfd().unwrap();
        assert_eq!(eventfd_take(fd.as_fd()).unwrap(), None);
        let one = 1u64.to_ne_bytes();
        crate::sys::fs::write_all(fd.as_fd(), &one).unwrap();
        crate::sys::fs::write_all(fd.as_fd(), &one).unwrap();
        assert_eq!(eventfd_take(fd.as_fd()).unwrap(), Some(2));
        assert_eq!(eventfd_take(fd.as_fd()).unwrap(), None);
    }

    #[test]
    fn inotify_reports_a_modified_file() {
        let path = std::env::temp_dir().join(format!("ocirun-inotify-{}", std::process::id()));
        std::fs::write(&path, "a").unwrap();
        let fd = inotify_init().unwrap();
        let wd = inotify_add_watch(fd.as_fd(), &path, libc::IN_MODIFY).unwrap();
        assert!(inotify_take(fd.as_fd()).unwrap().is_empty());
        std::fs::write(&path, "b").unwrap();
        let events = inotify_take(fd.as_fd()).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(events.contains(&InotifyEvent { wd, mask: libc::IN_MODIFY }), "{events:?}");
    }
}

//! Passing a descriptor over a Unix socket (SCM_RIGHTS), one at a time.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use super::{check, Errno, SysResult};

/// Room for one descriptor's control message, aligned for cmsghdr.
#[repr(C)]
union CmsgBuffer {
    bytes: [u8; 64],
    _align: libc::cmsghdr,
}

/// Sends `data` with `fd` attached (to the first byte); returns how many bytes went out.
pub fn send_with_fd(sock: BorrowedFd<'_>, data: &[u8], fd: BorrowedFd<'_>) -> SysResult<usize> {
    let mut cmsg = CmsgBuffer { bytes: [0; 64] };
    let mut iov = libc::iovec { iov_base: data.as_ptr() as *mut libc::c_void, iov_len: data.len() };
    // SAFETY: msghdr is plain data; zeroed is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    // SAFETY: CMSG_SPACE/CMSG_LEN only compute sizes.
    let (space, len) = unsafe { (libc::CMSG_SPACE(4), libc::CMSG_LEN(4)) };
    // SAFETY: the buffer holds 64 bytes, more than CMSG_SPACE(4); the pointers below stay inside
    // it, and iov points to `data`, which outlives the call.
    unsafe {
        msg.msg_control = cmsg.bytes.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        let hdr = libc::CMSG_FIRSTHDR(&msg);
        (*hdr).cmsg_level = libc::SOL_SOCKET;
        (*hdr).cmsg_type = libc::SCM_RIGHTS;
        (*hdr).cmsg_len = len as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(hdr).cast::<i32>(), fd.as_raw_fd());
        check(libc::sendmsg(sock.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) as libc::c_long).map(|n| n as usize)
    }
}

/// Receives into `buf`, and the descriptor if one came with these bytes (close-on-exec).
pub fn recv_with_fd(sock: BorrowedFd<'_>, buf: &mut [u8]) -> SysResult<(usize, Option<OwnedFd>)> {
    let mut cmsg = CmsgBuffer { bytes: [0; 64] };
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: as in send_with_fd.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    // SAFETY: the kernel writes at most msg_controllen bytes into the buffer and at most
    // buf.len() bytes into buf; the control messages read back lie inside the buffer.
    unsafe {
        msg.msg_control = cmsg.bytes.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of::<CmsgBuffer>() as _;
        let n = check(libc::recvmsg(sock.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) as libc::c_long)? as usize;
        let mut fd = None;
        let mut hdr = libc::CMSG_FIRSTHDR(&msg);
        while !hdr.is_null() {
            if (*hdr).cmsg_level == libc::SOL_SOCKET && (*hdr).cmsg_type == libc::SCM_RIGHTS {
                let raw = std::ptr::read_unaligned(libc::CMSG_DATA(hdr).cast::<i32>());
                fd = Some(OwnedFd::from_raw_fd(raw));
            }
            hdr = libc::CMSG_NXTHDR(&msg, hdr);
        }
        if msg.msg_flags & libc::MSG_CTRUNC != 0 {
            return Err(Errno::EMSGSIZE);
        }
        Ok((n, fd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    #[test]
    fn a_descriptor_sent_arrives_with_its_bytes() {
        let (a, b) = UnixStream::pair().expect("socketpair");
        let file = std::fs::File::open("/proc/self/stat").expect("open");
        assert_eq!(send_with_fd(a.as_fd(), b"hello", file.as_fd()).expect("send"), 5);
        let mut buf = [0u8; 16];
        let (n, fd) = recv_with_fd(b.as_fd(), &mut buf).expect("recv");
        assert_eq!(&buf[..n], b"hello");
        let fd = fd.expect("a descriptor");
        let ours = crate::sys::fs::fstat(file.as_fd()).expect("fstat");
        let theirs = crate::sys::fs::fstat(fd.as_fd()).expect("fstat");
        assert_eq!((ours.st_dev, ours.st_ino), (theirs.st_dev, theirs.st_ino));
    }

    #[test]
    fn bytes_without_a_descriptor_come_alone() {
        let (a, b) = UnixStream::pair().expect("socketpair");
        std::io::Write::write_all(&mut &a, b"x").expect("write");
        let mut buf = [0u8; 4];
        let (n, fd) = recv_with_fd(b.as_fd(), &mut buf).expect("recv");
        assert_eq!((n, fd.is_none()), (1, true));
    }
}

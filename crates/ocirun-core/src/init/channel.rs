//! Length-prefixed JSON frames over a stream socket: a 4-byte little-endian length, then the
//! bytes. A stream socket (not SEQPACKET) so that a large config.json needs no special buffer.
//!
//! A frame may carry one descriptor (SCM_RIGHTS), sent with its bytes in one sendmsg; the
//! receiving side reads every frame's length with recvmsg, so the descriptor is kept for
//! [`Channel::take_fd`] whichever frame brings it.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use crate::sys::scm;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Frames larger than this are refused: no valid config.json comes close.
const MAX_FRAME: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("control socket: {0}")]
    Io(#[from] io::Error),
    #[error("control socket closed by the other side")]
    Closed,
    #[error("control socket: frame of {0} bytes is too large")]
    TooLarge(usize),
    #[error("control socket: malformed message: {0}")]
    Decode(#[from] serde_json::Error),
}

pub struct Channel {
    stream: UnixStream,
    /// The descriptor the last frames brought, until taken.
    fd: Option<OwnedFd>,
}

fn frame(bytes: &[u8]) -> Result<Vec<u8>, ChannelError> {
    if bytes.len() > MAX_FRAME {
        return Err(ChannelError::TooLarge(bytes.len()));
    }
    let mut frame = Vec::with_capacity(4 + bytes.len());
    frame.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    frame.extend_from_slice(bytes);
    Ok(frame)
}

impl Channel {
    pub fn new(stream: UnixStream) -> Self {
        Channel { stream, fd: None }
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) -> Result<(), ChannelError> {
        self.stream.write_all(&frame(bytes)?)?;
        Ok(())
    }

    /// Sends a message with a descriptor attached to its first byte.
    pub fn send_with_fd<T: Serialize>(&mut self, msg: &T, fd: BorrowedFd<'_>) -> Result<(), ChannelError> {
        let frame = frame(&serde_json::to_vec(msg)?)?;
        let sent = scm::send_with_fd(self.stream.as_fd(), &frame, fd).map_err(io::Error::from)?;
        self.stream.write_all(&frame[sent..])?;
        Ok(())
    }

    /// The descriptor a received frame carried, if any.
    pub fn take_fd(&mut self) -> Option<OwnedFd> {
        self.fd.take()
    }

    /// Reads exactly the 4 bytes of a frame's length, keeping a descriptor that comes with them.
    fn recv_len(&mut self) -> Result<usize, ChannelError> {
        let mut len = [0u8; 4];
        let mut got = 0;
        while got < len.len() {
            let (n, fd) = match scm::recv_with_fd(self.stream.as_fd(), &mut len[got..]) {
                Err(crate::sys::Errno::EINTR) => continue,
                other => other.map_err(io::Error::from)?,
            };
            if fd.is_some() {
                self.fd = fd;
            }
            if n == 0 {
                return Err(ChannelError::Closed);
            }
            got += n;
        }
        Ok(u32::from_le_bytes(len) as usize)
    }

    pub fn send<T: Serialize>(&mut self, msg: &T) -> Result<(), ChannelError> {
        let bytes = serde_json::to_vec(msg)?;
        self.send_bytes(&bytes)
    }

    pub fn recv_bytes(&mut self) -> Result<Vec<u8>, ChannelError> {
        let len = self.recv_len()?;
        if len > MAX_FRAME {
            return Err(ChannelError::TooLarge(len));
        }
        let mut buf = vec![0u8; len];
        self.stream.read_exact(&mut buf).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                ChannelError::Closed
            } else {
                ChannelError::Io(e)
            }
        })?;
        Ok(buf)
    }

    pub fn recv<T: DeserializeOwned>(&mut self) -> Result<T, ChannelError> {
        let bytes = self.recv_bytes()?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    pub fn stream(&self) -> &UnixStream {
        &self.stream
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::protocol::{FromInit, ToInit};

    #[test]
    fn a_message_sent_is_the_message_received() {
        let (a, b) = UnixStream::pair().expect("socketpair");
        let (mut a, mut b) = (Channel::new(a), Channel::new(b));
        a.send(&FromInit::InitPid { pid: 42 }).expect("send");
        match b.recv::<FromInit>().expect("recv") {
            FromInit::InitPid { pid } => assert_eq!(pid, 42),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn raw_bytes_pass_unchanged() {
        let (a, b) = UnixStream::pair().expect("socketpair");
        let (mut a, mut b) = (Channel::new(a), Channel::new(b));
        let config = br#"{"ociVersion":"1.3.0","big":18446744073709551615}"#;
        a.send_bytes(config).expect("send");
        assert_eq!(b.recv_bytes().expect("recv"), config.to_vec());
    }

    #[test]
    fn a_descriptor_arrives_with_its_message() {
        let (a, b) = UnixStream::pair().expect("socketpair");
        let (mut a, mut b) = (Channel::new(a), Channel::new(b));
        let file = std::fs::File::open("/proc/self/stat").expect("open");
        a.send(&FromInit::Ready).expect("send");
        a.send_with_fd(&FromInit::SeccompListener, file.as_fd()).expect("send");
        assert!(matches!(b.recv::<FromInit>().expect("recv"), FromInit::Ready));
        assert!(b.take_fd().is_none());
        assert!(matches!(b.recv::<FromInit>().expect("recv"), FromInit::SeccompListener));
        assert!(b.take_fd().is_some());
    }

    #[test]
    fn a_closed_peer_reads_as_closed() {
        let (a, b) = UnixStream::pair().expect("socketpair");
        drop(a);
        let mut b = Channel::new(b);
        assert!(matches!(b.recv::<ToInit>(), Err(ChannelError::Closed)));
    }
}

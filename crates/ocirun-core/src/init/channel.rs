//! Length-prefixed JSON frames over a stream socket: a 4-byte little-endian length, then the
//! bytes. A stream socket (not SEQPACKET) so that a large config.json needs no special buffer.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;

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
}

impl Channel {
    pub fn new(stream: UnixStream) -> Self {
        Channel { stream }
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) -> Result<(), ChannelError> {
        if bytes.len() > MAX_FRAME {
            return Err(ChannelError::TooLarge(bytes.len()));
        }
        let mut frame = Vec::with_capacity(4 + bytes.len());
        frame.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        frame.extend_from_slice(bytes);
        self.stream.write_all(&frame)?;
        Ok(())
    }

    pub fn send<T: Serialize>(&mut self, msg: &T) -> Result<(), ChannelError> {
        let bytes = serde_json::to_vec(msg)?;
        self.send_bytes(&bytes)
    }

    pub fn recv_bytes(&mut self) -> Result<Vec<u8>, ChannelError> {
        let mut len = [0u8; 4];
        match self.stream.read_exact(&mut len) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(ChannelError::Closed),
            other => other?,
        }
        let len = u32::from_le_bytes(len) as usize;
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
    fn a_closed_peer_reads_as_closed() {
        let (a, b) = UnixStream::pair().expect("socketpair");
        drop(a);
        let mut b = Channel::new(b);
        assert!(matches!(b.recv::<ToInit>(), Err(ChannelError::Closed)));
    }
}

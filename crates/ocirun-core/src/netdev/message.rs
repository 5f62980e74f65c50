//! rtnetlink messages as bytes: the few requests that move an interface between network
//! namespaces with its addresses, and the parsing of the kernel's answers. Native byte order,
//! 4-byte alignment, as netlink(7) and rtnetlink(7) lay them out.

pub const RTM_NEWLINK: u16 = 16;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_NEWADDR: u16 = 20;
pub const RTM_GETADDR: u16 = 22;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_DUMP: u16 = 0x300;
pub const NLM_F_EXCL: u16 = 0x200;
pub const NLM_F_CREATE: u16 = 0x400;

const IFLA_IFNAME: u16 = 3;
const IFLA_NET_NS_FD: u16 = 28;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_BROADCAST: u16 = 4;
const IFA_FLAGS: u16 = 8;

pub const IFF_UP: u32 = 0x1;
pub const IFA_F_PERMANENT: u32 = 0x80;
pub const RT_SCOPE_UNIVERSE: u8 = 0;

const HEADER_LEN: usize = 16;

fn align(n: usize) -> usize {
    (n + 3) & !3
}

/// A request being built: header, fixed part, attributes.
pub struct Request {
    buf: Vec<u8>,
}

impl Request {
    pub fn new(kind: u16, flags: u16, seq: u32) -> Request {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(&0u32.to_ne_bytes());
        buf.extend_from_slice(&kind.to_ne_bytes());
        buf.extend_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes());
        Request { buf }
    }

    /// struct ifinfomsg.
    pub fn ifinfo(mut self, index: u32, flags: u32, change: u32) -> Request {
        self.buf.extend_from_slice(&[libc::AF_UNSPEC as u8, 0, 0, 0]);
        self.buf.extend_from_slice(&(index as i32).to_ne_bytes());
        self.buf.extend_from_slice(&flags.to_ne_bytes());
        self.buf.extend_from_slice(&change.to_ne_bytes());
        self
    }

    /// struct ifaddrmsg.
    pub fn ifaddr(mut self, family: u8, prefix_len: u8, scope: u8, index: u32) -> Request {
        self.buf.extend_from_slice(&[family, prefix_len, 0, scope]);
        self.buf.extend_from_slice(&index.to_ne_bytes());
        self
    }

    pub fn attr(mut self, kind: u16, data: &[u8]) -> Request {
        let len = 4 + data.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.buf.resize(align(self.buf.len()), 0);
        self
    }

    pub fn finish(mut self) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf
    }
}

/// RTM_NEWLINK changing only the up flag of interface `index`.
pub fn set_up(index: u32, up: bool, seq: u32) -> Vec<u8> {
    Request::new(RTM_NEWLINK, NLM_F_ACK, seq).ifinfo(index, if up { IFF_UP } else { 0 }, IFF_UP).finish()
}

/// RTM_NEWLINK moving interface `index` into the namespace `netns_fd`, renamed to `name` in the
/// same operation (the kernel fills in a "%d" template).
pub fn move_to_namespace(index: u32, netns_fd: i32, name: &str, seq: u32) -> Vec<u8> {
    let mut ifname = name.as_bytes().to_vec();
    ifname.push(0);
    Request::new(RTM_NEWLINK, NLM_F_ACK, seq)
        .ifinfo(index, 0, 0)
        .attr(IFLA_IFNAME, &ifname)
        .attr(IFLA_NET_NS_FD, &(netns_fd as u32).to_ne_bytes())
        .finish()
}

/// RTM_GETLINK for one interface, by name or (name empty) by index.
pub fn get_link(index: u32, name: &str, seq: u32) -> Vec<u8> {
    let r = Request::new(RTM_GETLINK, NLM_F_ACK, seq).ifinfo(index, 0, 0);
    if name.is_empty() {
        return r.finish();
    }
    let mut ifname = name.as_bytes().to_vec();
    ifname.push(0);
    r.attr(IFLA_IFNAME, &ifname).finish()
}

/// RTM_GETADDR dump of every address of every interface.
pub fn dump_addresses(seq: u32) -> Vec<u8> {
    Request::new(RTM_GETADDR, NLM_F_DUMP, seq).ifaddr(libc::AF_UNSPEC as u8, 0, 0, 0).finish()
}

/// An interface address as the kernel reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub family: u8,
    pub prefix_len: u8,
    pub scope: u8,
    pub index: u32,
    pub flags: u32,
    pub address: Option<Vec<u8>>,
    pub local: Option<Vec<u8>>,
    pub broadcast: Option<Vec<u8>>,
}

impl Address {
    /// What the spec says moves with the interface: permanent addresses of global scope.
    pub fn moves(&self) -> bool {
        self.flags & IFA_F_PERMANENT != 0 && self.scope == RT_SCOPE_UNIVERSE
    }

    /// RTM_NEWADDR adding this address to interface `index`.
    pub fn add_to(&self, index: u32, seq: u32) -> Vec<u8> {
        let mut r = Request::new(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq).ifaddr(
            self.family,
            self.prefix_len,
            self.scope,
            index,
        );
        for (kind, value) in [(IFA_LOCAL, &self.local), (IFA_ADDRESS, &self.address), (IFA_BROADCAST, &self.broadcast)]
        {
            if let Some(v) = value {
                r = r.attr(kind, v);
            }
        }
        r.finish()
    }
}

/// One message of an answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// NLMSG_ERROR: 0 acknowledges, a negative number is -errno.
    Ack(i32),
    Done,
    Link {
        index: u32,
        flags: u32,
    },
    Address(Address),
    Other,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The attributes after a fixed part: (type, payload).
fn attrs(b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while let (Some(len), Some(kind)) = (u16_at(b, at), u16_at(b, at + 2)) {
        let len = len as usize;
        let Some(payload) = b.get(at + 4..at + len.max(4)) else { break };
        out.push((kind & 0x3fff, payload));
        if len < 4 {
            break;
        }
        at += align(len);
    }
    out
}

fn parse_one(kind: u16, body: &[u8]) -> Option<Reply> {
    Some(match kind {
        NLMSG_ERROR => Reply::Ack(u32_at(body, 0)? as i32),
        NLMSG_DONE => Reply::Done,
        RTM_NEWLINK => Reply::Link { index: u32_at(body, 4)?, flags: u32_at(body, 8)? },
        RTM_NEWADDR => {
            let mut a = Address {
                family: *body.first()?,
                prefix_len: *body.get(1)?,
                flags: *body.get(2)? as u32,
                scope: *body.get(3)?,
                index: u32_at(body, 4)?,
                address: None,
                local: None,
                broadcast: None,
            };
            for (k, v) in attrs(body.get(8..)?) {
                match k {
                    IFA_ADDRESS => a.address = Some(v.to_vec()),
                    IFA_LOCAL => a.local = Some(v.to_vec()),
                    IFA_BROADCAST => a.broadcast = Some(v.to_vec()),
                    IFA_FLAGS => a.flags = u32_at(v, 0)?,
                    _ => {}
                }
            }
            Reply::Address(a)
        }
        _ => Reply::Other,
    })
}

/// Every message in one datagram; None if it is truncated or malformed.
pub fn parse(datagram: &[u8]) -> Option<Vec<Reply>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + HEADER_LEN <= datagram.len() {
        let len = u32_at(datagram, at)? as usize;
        let kind = u16_at(datagram, at + 4)?;
        if len < HEADER_LEN || at + len > datagram.len() {
            return None;
        }
        out.push(parse_one(kind, &datagram[at + HEADER_LEN..at + len])?);
        at += align(len);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_request_carries_the_new_name_and_the_namespace_descriptor() {
        let m = move_to_namespace(7, 12, "eth1", 3);
        assert_eq!(u32_at(&m, 0), Some(m.len() as u32));
        assert_eq!(u16_at(&m, 4), Some(RTM_NEWLINK));
        assert_eq!(u16_at(&m, 6), Some(NLM_F_REQUEST | NLM_F_ACK));
        assert_eq!(u32_at(&m, 8), Some(3));
        assert_eq!(u32_at(&m, 16 + 4), Some(7));
        let a = attrs(&m[16 + 16..]);
        assert_eq!(a, vec![(IFLA_IFNAME, &b"eth1\0"[..]), (IFLA_NET_NS_FD, &12u32.to_ne_bytes()[..])]);
        assert_eq!(m.len() % 4, 0);
    }

    #[test]
    fn an_up_request_changes_only_the_up_flag() {
        let m = set_up(4, true, 1);
        assert_eq!((u32_at(&m, 24), u32_at(&m, 28)), (Some(IFF_UP), Some(IFF_UP)));
        let m = set_up(4, false, 1);
        assert_eq!((u32_at(&m, 24), u32_at(&m, 28)), (Some(0), Some(IFF_UP)));
    }

    fn datagram(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut d = ((HEADER_LEN + body.len()) as u32).to_ne_bytes().to_vec();
        d.extend_from_slice(&kind.to_ne_bytes());
        d.extend_from_slice(&[0; 10]);
        d.extend_from_slice(body);
        d.resize(align(d.len()), 0);
        d
    }

    #[test]
    fn acks_and_errors_parse_as_their_number() {
        let mut body = (-19i32).to_ne_bytes().to_vec();
        body.extend_from_slice(&[0; 16]);
        assert_eq!(parse(&datagram(NLMSG_ERROR, &body)), Some(vec![Reply::Ack(-19)]));
        assert_eq!(parse(&datagram(NLMSG_DONE, &[0; 4])), Some(vec![Reply::Done]));
    }

    #[test]
    fn an_address_keeps_its_attributes_and_the_extended_flags_win() {
        let v4 = Address {
            family: libc::AF_INET as u8,
            prefix_len: 24,
            scope: 0,
            index: 5,
            flags: 0,
            address: Some(vec![10, 0, 0, 2]),
            local: Some(vec![10, 0, 0, 2]),
            broadcast: Some(vec![10, 0, 0, 255]),
        };
        let req = Request::new(RTM_NEWADDR, 0, 1)
            .ifaddr(v4.family, v4.prefix_len, v4.scope, v4.index)
            .attr(IFA_ADDRESS, &[10, 0, 0, 2])
            .attr(IFA_LOCAL, &[10, 0, 0, 2])
            .attr(IFA_BROADCAST, &[10, 0, 0, 255])
            .attr(IFA_FLAGS, &IFA_F_PERMANENT.to_ne_bytes())
            .finish();
        let Some(replies) = parse(&req) else { panic!("unparsed") };
        let Reply::Address(a) = &replies[0] else { panic!("not an address: {replies:?}") };
        assert_eq!(a, &Address { flags: IFA_F_PERMANENT, ..v4.clone() });
        assert!(a.moves());
        let re_added = a.add_to(9, 2);
        assert_eq!(u32_at(&re_added, 16 + 4), Some(9));
    }

    #[test]
    fn only_permanent_global_addresses_move() {
        let a = Address {
            family: 10,
            prefix_len: 64,
            scope: 253,
            index: 1,
            flags: IFA_F_PERMANENT,
            address: None,
            local: None,
            broadcast: None,
        };
        assert!(!a.moves());
        assert!(!Address { scope: 0, flags: 0, ..a.clone() }.moves());
    }

    #[test]
    fn a_truncated_datagram_is_refused() {
        let d = datagram(NLMSG_DONE, &[0; 4]);
        assert_eq!(parse(&d[..d.len() - 2]), None);
    }
}

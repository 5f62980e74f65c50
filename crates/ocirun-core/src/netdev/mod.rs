//! linux.netDevices: host interfaces moved into the container's network namespace by the
//! runtime, after the namespace exists and before the init sets the container up. Each keeps
//! its permanent global addresses and is brought up there, as the spec says. A device that
//! cannot be moved undoes the moves before it: those devices go back to the host under their
//! names, with their addresses.

mod message;

use std::collections::BTreeMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;

use message::{Address, Reply};

use crate::spec::NetDevice;
use crate::sys::{fs as sysfs, netlink, ns, Errno};

#[derive(Debug, thiserror::Error)]
pub enum NetDevError {
    #[error("linux.netDevices.{name}: no network interface of that name on the host")]
    Missing { name: String },
    #[error("linux.netDevices.{name}: {what}")]
    Netlink {
        name: String,
        what: String,
        #[source]
        errno: Errno,
    },
    #[error("open the network namespace {path:?}")]
    Namespace {
        path: String,
        #[source]
        errno: Errno,
    },
}

impl NetDevError {
    pub fn errno(&self) -> Option<Errno> {
        match self {
            NetDevError::Missing { .. } => None,
            NetDevError::Netlink { errno, .. } | NetDevError::Namespace { errno, .. } => Some(*errno),
        }
    }
}

/// The name a device gets in the container.
pub fn target_name<'a>(host_name: &'a str, dev: &'a NetDevice) -> &'a str {
    dev.name.as_deref().filter(|n| !n.is_empty()).unwrap_or(host_name)
}

/// An rtnetlink socket with its request counter.
struct Conn {
    fd: OwnedFd,
    seq: u32,
}

impl Conn {
    fn new(fd: OwnedFd) -> Conn {
        Conn { fd, seq: 0 }
    }

    fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    /// Sends a request and collects the answer up to its ack (or, for a dump, its end).
    fn call(&mut self, build: impl FnOnce(u32) -> Vec<u8>) -> Result<Vec<Reply>, Errno> {
        let seq = self.next_seq();
        sysfs::write_all(self.fd.as_fd(), &build(seq))?;
        let mut replies = Vec::new();
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let n = sysfs::read(self.fd.as_fd(), &mut buf)?;
            if n == 0 {
                return Err(Errno::EBADMSG);
            }
            for r in message::parse(&buf[..n]).ok_or(Errno::EBADMSG)? {
                match r {
                    Reply::Ack(0) | Reply::Done => return Ok(replies),
                    Reply::Ack(e) => return Err(Errno::from_raw(-e)),
                    other => replies.push(other),
                }
            }
        }
    }

    fn link_index(&mut self, index: u32, name: &str) -> Result<u32, Errno> {
        let replies = self.call(|seq| message::get_link(index, name, seq))?;
        replies
            .iter()
            .find_map(|r| match r {
                Reply::Link { index, .. } => Some(*index),
                _ => None,
            })
            .ok_or(Errno::ENODEV)
    }

    fn addresses(&mut self, index: u32) -> Result<Vec<Address>, Errno> {
        let replies = self.call(message::dump_addresses)?;
        Ok(replies
            .into_iter()
            .filter_map(|r| match r {
                Reply::Address(a) if a.index == index && a.moves() => Some(a),
                _ => None,
            })
            .collect())
    }
}

/// A socket in the network namespace `netns`, made by a short-lived thread that enters it:
/// a socket stays in the namespace it was created in, and the calling thread never moves.
fn socket_in(netns: BorrowedFd<'_>) -> Result<OwnedFd, Errno> {
    let ns_fd = netns.try_clone_to_owned().map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))?;
    std::thread::spawn(move || {
        ns::setns(ns_fd.as_fd(), libc::CLONE_NEWNET)?;
        netlink::route_socket()
    })
    .join()
    .map_err(|_| Errno::EIO)?
}

/// A device moved so far: where it is now and what to restore if a later one fails.
struct Moved {
    host_name: String,
    index_inside: u32,
    addresses: Vec<Address>,
    was_up: bool,
}

/// Moves every device into the network namespace of process `pid`. On failure the devices
/// moved before are moved back, and the error names the device that failed.
pub fn move_into(pid: i32, devices: &BTreeMap<String, NetDevice>) -> Result<(), NetDevError> {
    let path = format!("/proc/{pid}/ns/net");
    let ns_err = |p: &str| {
        let p = p.to_string();
        move |errno| NetDevError::Namespace { path: p.clone(), errno }
    };
    let target_ns = sysfs::openat(None, Path::new(&path), libc::O_RDONLY, 0).map_err(ns_err(&path))?;
    let own_ns = sysfs::openat(None, Path::new("/proc/thread-self/ns/net"), libc::O_RDONLY, 0)
        .map_err(ns_err("/proc/thread-self/ns/net"))?;
    let mut host = Conn::new(netlink::route_socket().map_err(ns_err("/proc/thread-self/ns/net"))?);
    let mut inside = Conn::new(socket_in(target_ns.as_fd()).map_err(ns_err(&path))?);
    let ns = Namespaces { target: target_ns.as_fd(), own: own_ns.as_fd() };
    let mut moved: Vec<Moved> = Vec::new();
    for (host_name, dev) in devices {
        match move_one(&mut host, &mut inside, &ns, host_name, target_name(host_name, dev)) {
            Ok(m) => moved.push(m),
            Err(e) => {
                for m in moved.iter().rev() {
                    let _ = move_back(&mut host, &mut inside, ns.own, m);
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

struct Namespaces<'a> {
    target: BorrowedFd<'a>,
    own: BorrowedFd<'a>,
}

fn move_one(
    host: &mut Conn,
    inside: &mut Conn,
    ns: &Namespaces<'_>,
    host_name: &str,
    name: &str,
) -> Result<Moved, NetDevError> {
    let err = |what: &str| {
        let (name, what) = (host_name.to_string(), what.to_string());
        move |errno| NetDevError::Netlink { name: name.clone(), what: what.clone(), errno }
    };
    let index = netlink::if_nametoindex(host_name).map_err(|_| NetDevError::Missing { name: host_name.into() })?;
    let was_up = is_up(host_name);
    let addresses = host.addresses(index).map_err(err("read its addresses"))?;
    // Down first, so that nothing on the host uses it while it changes namespace and name.
    host.call(|seq| message::set_up(index, false, seq)).map_err(err("set it down"))?;
    if let Err(errno) = host.call(|seq| message::move_to_namespace(index, ns.target.as_raw_fd(), name, seq)) {
        // Recent kernels move first and rename in the new namespace, so a taken name fails
        // with the device moved already: bring it back too.
        match inside.link_index(index, host_name) {
            Ok(index_inside) => {
                let m = Moved { host_name: host_name.into(), index_inside, addresses, was_up };
                let _ = move_back(host, inside, ns.own, &m);
            }
            Err(_) if was_up => {
                let _ = host.call(|seq| message::set_up(index, true, seq));
            }
            Err(_) => {}
        }
        return Err(err(&format!("move it into the container's network namespace as {name:?}"))(errno));
    }
    // The kernel keeps the index when the namespace has it free, and fills in "%d" names.
    let lookup = if name.contains('%') { "" } else { name };
    let index_inside = inside.link_index(index, lookup).map_err(err("find it in the container's network namespace"))?;
    let m = Moved { host_name: host_name.into(), index_inside, addresses, was_up };
    if let Err((what, errno)) = configure(inside, index_inside, &m.addresses, true) {
        let _ = move_back(host, inside, ns.own, &m);
        return Err(err(what)(errno));
    }
    Ok(m)
}

/// Whether the interface is up on the host (its sysfs flags).
fn is_up(name: &str) -> bool {
    std::fs::read_to_string(format!("/sys/class/net/{name}/flags"))
        .ok()
        .and_then(|f| u32::from_str_radix(f.trim().trim_start_matches("0x"), 16).ok())
        .is_some_and(|f| f & message::IFF_UP != 0)
}

/// Adds the addresses the move flushed, then sets the interface up if `up`.
fn configure(conn: &mut Conn, index: u32, addresses: &[Address], up: bool) -> Result<(), (&'static str, Errno)> {
    for a in addresses {
        conn.call(|seq| a.add_to(index, seq)).map_err(|e| ("restore its addresses", e))?;
    }
    if up {
        conn.call(|seq| message::set_up(index, true, seq)).map_err(|e| ("set it up", e))?;
    }
    Ok(())
}

/// Returns a moved device to the runtime's namespace under its host name, with its addresses
/// and its up state.
fn move_back(host: &mut Conn, inside: &mut Conn, own_ns: BorrowedFd<'_>, m: &Moved) -> Result<(), Errno> {
    let _ = inside.call(|seq| message::set_up(m.index_inside, false, seq));
    inside.call(|seq| message::move_to_namespace(m.index_inside, own_ns.as_raw_fd(), &m.host_name, seq))?;
    let index = netlink::if_nametoindex(&m.host_name)?;
    configure(host, index, &m.addresses, m.was_up).map_err(|(_, e)| e)
}

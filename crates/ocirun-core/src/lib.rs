//! ocirun's hot path: everything that talks to the kernel to make a container.
//!
//! - [`init`]: the bootstrap the init executable runs (namespaces, rootfs, process setup).
//! - [`hooks`]: the spec's hooks, run by the launcher, the init and the runtime's commands.
//! - [`launcher`]: the runtime side, which starts the init from a sealed memfd with
//!   posix_spawn and drives it over a control socket.
//! - [`seccomp`]: seccomp profiles compiled into classic BPF, in the launcher.
//! - [`spec`]: config.json as Rust types.
//! - [`sys`]: the only place with `unsafe`: thin wrappers around syscalls.
//! - [`terminal`]: process.terminal's pseudoterminal and /dev/console.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod cgroups;
pub mod features;
pub mod hooks;
pub mod init;
pub mod launcher;
pub mod namespaces;
pub mod netdev;
pub mod process;
pub mod rootfs;
pub mod seccomp;
pub mod spec;
pub mod sys;
pub mod terminal;
pub mod time_offsets;

//! The runtime side of the init: spawning it from a sealed copy of its executable, feeding it
//! the container's configuration, and the operations on a container's init afterwards
//! (start, signal, wait). Runs inside the calling process (Node) but never forks it: the only
//! new process is made by posix_spawn.

pub mod cgroup_setup;
mod console_socket;
mod conversation;
mod error;
pub mod exec;
pub mod fifo;
mod hooks;
pub mod id_maps;
pub mod init_binary;
pub mod lock;
pub mod notify;
pub mod preflight;
pub mod procfs;
mod seccomp_listener;
pub mod signal;
mod spawn;
mod spawn_init;
pub mod tty_relay;
mod zygote;

pub use conversation::Ready;
pub use error::LaunchError;
pub use spawn::{Launch, LaunchRequest};
pub use spawn_init::StartWith;

//! NOTIFY_SOCKET passthrough: the socket start binds before releasing the container, and the
//! wait for its READY=.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use ocirun_core::launcher::notify::Listener;

use crate::failure::{failure, NativeFailure};
use crate::task::{blocking, Blocking};

#[napi(object)]
pub struct RelayResult {
    /// Whether READY= reached the host (false: the container exited without it).
    pub ready: bool,
    pub failure: Option<NativeFailure>,
}

/// The bound socket in the state directory, until its relay ends or it is closed.
#[napi]
pub struct NotifyListener {
    listener: Arc<Mutex<Option<Listener>>>,
}

#[napi(object, object_from_js = false)]
pub struct ListenResult {
    pub listener: Option<NotifyListener>,
    pub failure: Option<NativeFailure>,
}

/// Binds STATE_DIR/notify/notify.sock (before the container is released, so nothing it sends is lost).
#[napi]
pub fn notify_listen(state_dir: String) -> ListenResult {
    match Listener::bind(state_dir.as_ref()) {
        Ok(l) => {
            ListenResult { listener: Some(NotifyListener { listener: Arc::new(Mutex::new(Some(l))) }), failure: None }
        }
        Err(e) => ListenResult { listener: None, failure: Some(failure(e)) },
    }
}

fn relay(listener: &Mutex<Option<Listener>>, host: &str, pid: i32, start_time: i64, main_pid: bool) -> RelayResult {
    let taken = match listener.lock() {
        Ok(mut g) => g.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    let Some(l) = taken else {
        return RelayResult { ready: false, failure: None };
    };
    match l.relay(host, pid, start_time as u64, main_pid) {
        Ok(ready) => RelayResult { ready, failure: None },
        Err(e) => RelayResult { ready: false, failure: Some(failure(e)) },
    }
}

#[napi]
impl NotifyListener {
    /// Waits for READY= (or the init's exit) on a worker thread and passes it on to `host`;
    /// with `mainPid`, MAINPID=<pid> follows. The socket is closed when it ends.
    #[napi(ts_return_type = "Promise<RelayResult>")]
    pub fn relay(&self, host: String, pid: i32, start_time: i64, main_pid: bool) -> AsyncTask<Blocking<RelayResult>> {
        let listener = Arc::clone(&self.listener);
        blocking(move || relay(&listener, &host, pid, start_time, main_pid))
    }

    /// relay, blocking the calling thread (for the CLI's start and run --detach).
    #[napi]
    pub fn relay_sync(&self, host: String, pid: i32, start_time: i64, main_pid: bool) -> RelayResult {
        relay(&self.listener, &host, pid, start_time, main_pid)
    }

    /// Closes the socket without waiting (the start failed).
    #[napi]
    pub fn close(&self) {
        if let Ok(mut g) = self.listener.lock() {
            g.take();
        }
    }
}

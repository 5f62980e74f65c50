//! The per-container lock.

use std::sync::Mutex;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use ocirun_core::launcher::lock;

use crate::failure::{failure, NativeFailure};
use crate::task::{blocking, Blocking};

/// An exclusive lock on a container's state directory, held until released (or until the
/// process exits).
#[napi]
pub struct DirLock {
    inner: Mutex<Option<lock::Lock>>,
}

#[napi]
impl DirLock {
    #[napi]
    pub fn release(&self) {
        if let Ok(mut g) = self.inner.lock() {
            g.take();
        }
    }
}

#[napi(object, object_from_js = false)]
pub struct LockResult {
    /// Null when the directory does not exist.
    pub lock: Option<DirLock>,
    pub failure: Option<NativeFailure>,
}

/// Waits for the lock on a directory.
#[napi(ts_return_type = "Promise<LockResult>")]
pub fn lock_dir(path: String) -> AsyncTask<Blocking<LockResult>> {
    blocking(move || match lock::lock(path.as_ref()) {
        Ok(Some(l)) => LockResult { lock: Some(DirLock { inner: Mutex::new(Some(l)) }), failure: None },
        Ok(None) => LockResult { lock: None, failure: None },
        Err(e) => LockResult { lock: None, failure: Some(failure(e)) },
    })
}

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
    /// Null when the directory does not exist (or, from tryLockDir, when the lock is held).
    pub lock: Option<DirLock>,
    /// True when tryLockDir found the lock held by someone else.
    pub busy: bool,
    pub failure: Option<NativeFailure>,
}

fn locked(l: lock::Lock) -> LockResult {
    LockResult { lock: Some(DirLock { inner: Mutex::new(Some(l)) }), busy: false, failure: None }
}

/// Takes the lock on a directory if it is free, without waiting: the common, uncontended
/// case costs no trip to the thread pool.
#[napi]
pub fn try_lock_dir(path: String) -> LockResult {
    match lock::try_lock(path.as_ref()) {
        Ok(lock::Attempt::Locked(l)) => locked(l),
        Ok(lock::Attempt::Busy) => LockResult { lock: None, busy: true, failure: None },
        Ok(lock::Attempt::Missing) => LockResult { lock: None, busy: false, failure: None },
        Err(e) => LockResult { lock: None, busy: false, failure: Some(failure(e)) },
    }
}

/// Waits for the lock on a directory.
#[napi(ts_return_type = "Promise<LockResult>")]
pub fn lock_dir(path: String) -> AsyncTask<Blocking<LockResult>> {
    blocking(move || match lock::lock(path.as_ref()) {
        Ok(Some(l)) => locked(l),
        Ok(None) => LockResult { lock: None, busy: false, failure: None },
        Err(e) => LockResult { lock: None, busy: false, failure: Some(failure(e)) },
    })
}

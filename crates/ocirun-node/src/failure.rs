//! Failures cross the boundary as plain objects; ocirun's TypeScript turns them into typed
//! error classes (InitError and friends) with the step and errno kept.

use napi_derive::napi;
use ocirun_core::launcher::LaunchError;

#[napi(object)]
#[derive(Debug, Clone)]
pub struct NativeFailure {
    /// ESPAWN, EPROTOCOL, EINIT, EHOOK, EINITEXITED, EPROCESS, EPATH, ECGROUP, ECONFIG, ENETDEV
    /// or ESECCOMP.
    pub code: String,
    pub message: String,
    /// The init's step ("mount", "pivot_root", ...) when the init reported the failure.
    pub step: Option<String>,
    /// The errno's name ("EPERM") when a syscall failed.
    pub errno: Option<String>,
    /// The JSON path of the config.json field at fault, when the failure knows it.
    pub field: Option<String>,
}

impl From<&LaunchError> for NativeFailure {
    fn from(e: &LaunchError) -> Self {
        // The message reads from the outer step down to the syscall, as crun's errors do.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        if let LaunchError::Init(f) = e {
            message = f.to_string();
        }
        NativeFailure {
            code: e.code().to_string(),
            message,
            step: e.step().map(str::to_string),
            errno: e.errno(),
            field: e.field().map(str::to_string),
        }
    }
}

pub fn failure(e: LaunchError) -> NativeFailure {
    NativeFailure::from(&e)
}

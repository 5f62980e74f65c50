//! What can be wrong with a profile, each naming the field of config.json.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeccompError {
    /// A setting the spec or the kernel does not allow: `field` is its JSON path.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("linux.seccomp: the profile compiles to {0} instructions, more than the kernel's limit of 4096")]
    TooLong(usize),
    /// A bug of the code generator, never a property of the profile.
    #[error("linux.seccomp: the filter needs a jump of {0} instructions, which classic BPF cannot encode")]
    JumpOutOfRange(usize),
}

impl SeccompError {
    pub(super) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> SeccompError {
        SeccompError::Invalid { field: field.into(), reason: reason.into() }
    }

    /// The JSON path of the field at fault.
    pub fn field(&self) -> &str {
        match self {
            SeccompError::Invalid { field, .. } => field,
            _ => "linux.seccomp",
        }
    }
}

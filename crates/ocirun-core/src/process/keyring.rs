//! The container's own session keyring, so that it does not share the caller's keys.

use super::AttributeError;
use crate::sys::{keyctl, Errno};

/// Search permission for the key's owner: without it the container's processes, which possess
/// the keyring only through their session, could not look keys up in it by name.
const KEY_USR_SEARCH: u32 = 0x0008_0000;

/// runc's name for a container's session keyring.
pub fn session_keyring_name(id: &str) -> String {
    format!("_ses.{id}")
}

/// Joins a new session keyring named after the container, as runc does. Kernels without
/// keyrings (ENOSYS) are tolerated: the keyring is a best-effort isolation, not a boundary.
pub fn join_session(id: &str) -> Result<(), AttributeError> {
    let name = session_keyring_name(id);
    let err = |errno| AttributeError::Keyring { name: name.clone(), errno };
    let key = match keyctl::join_session_keyring(&name) {
        Ok(key) => key,
        Err(Errno::ENOSYS) => return Ok(()),
        Err(errno) => return Err(err(errno)),
    };
    let described = keyctl::describe(key).map_err(err)?;
    let perm = permissions(&described).ok_or_else(|| err(Errno::EINVAL))?;
    keyctl::set_perm(key, perm | KEY_USR_SEARCH).map_err(err)
}

/// The permission mask of a KEYCTL_DESCRIBE answer ("keyring;0;0;3f010000;_ses.x").
fn permissions(described: &str) -> Option<u32> {
    let field = described.split(';').nth(3)?;
    u32::from_str_radix(field, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keyring_is_named_as_runc_names_it() {
        assert_eq!(session_keyring_name("web-1"), "_ses.web-1");
    }

    #[test]
    fn permissions_are_the_fourth_field_in_hex() {
        assert_eq!(permissions("keyring;0;0;3f010000;_ses.web-1"), Some(0x3f01_0000));
        assert_eq!(permissions("keyring;0;0"), None);
        assert_eq!(permissions("keyring;0;0;zz;x"), None);
    }
}

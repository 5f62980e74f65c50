//! The process's user: supplementary groups, gid, uid.

use crate::spec::User;
use crate::sys::process;

use super::ProcessError;

/// Switches to the configured user. Groups first (setgroups needs CAP_SETGID), then gid, then
/// uid; supplementary groups are exactly additionalGids, so none of the caller's survive.
pub fn switch_user(user: &User) -> Result<(), ProcessError> {
    match process::setgroups(&user.additional_gids) {
        // setgroups is denied in a rootless user namespace of one gid: nothing to set is fine.
        Err(nix::errno::Errno::EPERM) if user.additional_gids.is_empty() => {}
        other => other.map_err(|errno| ProcessError::User {
            what: "set supplementary groups (setgroups is denied in a user namespace that maps one gid without newgidmap)",
            id: format!("{:?}", user.additional_gids),
            errno,
        })?,
    }
    process::setresgid(user.gid).map_err(|errno| ProcessError::User {
        what: "setgid",
        id: user.gid.to_string(),
        errno,
    })?;
    process::setresuid(user.uid).map_err(|errno| ProcessError::User { what: "setuid", id: user.uid.to_string(), errno })
}

/// HOME for the user: from the container's /etc/passwd, else "/", as runc does.
pub fn home_dir(uid: u32) -> String {
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|text| home_from_passwd(&text, uid))
        .unwrap_or_else(|| "/".to_string())
}

fn home_from_passwd(text: &str, uid: u32) -> Option<String> {
    text.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() >= 6 && f[2].parse::<u32>().ok() == Some(uid)).then(|| f[5].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_comes_from_the_matching_passwd_line() {
        let passwd = "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n";
        assert_eq!(home_from_passwd(passwd, 33).as_deref(), Some("/var/www"));
        assert_eq!(home_from_passwd(passwd, 1000), None);
    }
}

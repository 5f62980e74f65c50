//! Real processes (the host's /bin/sh), as the hooks of a container would be run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::*;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("ocirun-hooks-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("mkdir");
        Dir(d)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sh(script: &str) -> Hook {
    Hook { path: "/bin/sh".into(), args: Some(vec!["sh".into(), "-c".into(), script.into()]), ..Default::default() }
}

fn state() -> State {
    State::new("c1", "/bundle".into(), BTreeMap::from([("k".to_string(), "v".to_string())]))
        .at(Status::Creating, Some(42))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn a_hook_reads_the_state_on_stdin_and_gets_exactly_its_argv_and_env() {
    let d = Dir::new("stdin");
    let out = d.file("out");
    let hook = Hook {
        path: "/bin/sh".into(),
        args: Some(vec![
            "my-argv0".into(),
            "-c".into(),
            format!("cat > {0}.state; tr '\\0' ' ' < /proc/$$/cmdline > {0}.argv; env > {0}.env", out.display()),
            "x".into(),
        ]),
        env: Some(vec!["A=1".into(), "B=two words".into()]),
        timeout: None,
    };
    let warnings = run(HookKind::CreateRuntime, &[hook], &state(), &["IGNORED=1".into()]).expect("runs");
    assert!(warnings.is_empty());
    let json: serde_json::Value = serde_json::from_str(&read(&d.file("out.state"))).expect("the state is JSON");
    assert_eq!(json["status"], "creating");
    assert_eq!(
        (json["pid"].as_i64(), json["id"].as_str(), json["annotations"]["k"].as_str()),
        (Some(42), Some("c1"), Some("v"))
    );
    assert!(read(&d.file("out.argv")).starts_with("my-argv0 -c "), "argv[0] is args[0]");
    let env = read(&d.file("out.env"));
    assert!(env.contains("A=1\n") && env.contains("B=two words\n") && !env.contains("IGNORED"), "{env}");
}

#[test]
fn without_args_argv_is_the_path_and_without_env_the_default_applies() {
    let d = Dir::new("defaults");
    let script = d.file("hook.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$0 $#\" > {0}.args\nenv > {0}.env\n", script.display()))
        .expect("write");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let hook = Hook { path: script.display().to_string(), ..Default::default() };
    run(HookKind::Poststart, &[hook], &state(), &["FROM_RUNTIME=yes".into()]).expect("runs");
    assert_eq!(read(&d.file("hook.sh.args")).trim(), format!("{} 0", script.display()));
    assert!(read(&d.file("hook.sh.env")).contains("FROM_RUNTIME=yes"));
}

#[test]
fn a_failing_hook_is_named_with_its_stderr_and_stops_the_later_ones() {
    let d = Dir::new("fail");
    let later = sh(&format!("touch {}", d.file("later").display()));
    let hooks = [sh("true"), sh("echo 'to stdout'; echo '  no network  ' >&2; exit 3"), later];
    let e = run(HookKind::CreateRuntime, &hooks, &state(), &[]).expect_err("fails");
    assert_eq!((e.index, e.failure.clone()), (1, HookFailure::Exited { status: 3, output: "no network".into() }));
    assert_eq!(e.to_string(), "createRuntime hook #1 (/bin/sh) exited with status 3: no network");
    assert!(!d.file("later").exists(), "the hooks after a failure do not run");
}

#[test]
fn stdout_is_the_message_when_stderr_is_empty() {
    let e = run(HookKind::Prestart, &[sh("echo only stdout; exit 1")], &state(), &[]).expect_err("fails");
    assert_eq!(e.failure, HookFailure::Exited { status: 1, output: "only stdout".into() });
}

#[test]
fn poststop_failures_are_warnings_and_every_hook_runs() {
    let d = Dir::new("poststop");
    let hooks = [sh("exit 4"), sh(&format!("touch {}", d.file("second").display())), sh("kill -9 $$")];
    let warnings = run(HookKind::Poststop, &hooks, &state(), &[]).expect("poststop never fails");
    assert_eq!(warnings.iter().map(|w| w.index).collect::<Vec<_>>(), [0, 2]);
    assert_eq!(warnings[1].failure, HookFailure::Signaled { signal: libc::SIGKILL, output: String::new() });
    assert!(d.file("second").exists());
}

#[test]
fn a_hook_past_its_timeout_is_killed_with_its_children() {
    let d = Dir::new("timeout");
    let pids = d.file("pids");
    let hook =
        Hook { timeout: Some(1), ..sh(&format!("sleep 60 & echo $! > {}; echo slow >&2; wait", pids.display())) };
    let begun = Instant::now();
    let e = run(HookKind::CreateContainer, &[hook], &state(), &[]).expect_err("times out");
    assert!(begun.elapsed().as_secs_f64() < 5.0, "took {:?}", begun.elapsed());
    assert_eq!(e.failure, HookFailure::TimedOut { seconds: 1, output: "slow".into() });
    let child = read(&pids).trim().to_string();
    // SIGKILL is delivered at once but the process takes a moment to finish dying on a busy
    // machine, so the test gives it a second; a child that was never signalled sleeps 60.
    let gone = |stat: &str| stat.is_empty() || stat.contains(") Z ") || stat.contains(") X ");
    let mut stat = String::new();
    for _ in 0..100 {
        stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
        if gone(&stat) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(gone(&stat), "the hook's child died with it: {stat}");
}

#[test]
fn a_child_left_holding_the_output_pipes_does_not_hold_the_runtime() {
    let begun = Instant::now();
    run(HookKind::Poststart, &[sh("sleep 5 & echo started")], &state(), &[]).expect("runs");
    assert!(begun.elapsed().as_secs_f64() < 3.0, "took {:?}", begun.elapsed());
}

#[test]
fn a_path_that_cannot_be_executed_is_an_exec_failure() {
    let d = Dir::new("exec");
    let fail = |path: &Path| {
        let hook = Hook { path: path.display().to_string(), ..Default::default() };
        run(HookKind::Poststart, &[hook], &state(), &[]).expect_err("fails").failure
    };
    assert_eq!(fail(Path::new("/nonexistent/hook")), HookFailure::Exec(crate::sys::Errno::ENOENT));
    let plain = d.file("plain");
    std::fs::write(&plain, "#!/bin/sh\n").expect("write");
    std::fs::set_permissions(&plain, std::os::unix::fs::PermissionsExt::from_mode(0o644)).expect("chmod");
    assert_eq!(fail(&plain), HookFailure::Exec(crate::sys::Errno::EACCES));
    let garbage = d.file("garbage");
    std::fs::write(&garbage, [0u8, 1, 2, 3]).expect("write");
    std::fs::set_permissions(&garbage, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    assert_eq!(fail(&garbage), HookFailure::Exec(crate::sys::Errno::ENOEXEC));
}

#[test]
fn a_nul_byte_is_refused_before_anything_runs() {
    let hook = Hook { env: Some(vec!["A=\0".into()]), ..sh("true") };
    assert_eq!(run(HookKind::Poststart, &[hook], &state(), &[]).expect_err("fails").failure, HookFailure::NulByte);
}

#[test]
fn a_state_larger_than_a_pipe_arrives_whole() {
    let big = "x".repeat(200 << 10);
    let s = State::new("c1", "/b".into(), BTreeMap::from([("big".to_string(), big)]));
    let expected = s.to_json().len();
    let hook = sh(&format!("n=$(wc -c); [ $n -eq {expected} ] || {{ echo got $n >&2; exit 1; }}"));
    run(HookKind::Prestart, &[hook], &s, &[]).expect("the hook read it all");
}

#[test]
fn a_long_output_is_cut_to_its_end() {
    let e = run(HookKind::Prestart, &[sh("seq 1 5000 >&2; exit 1")], &state(), &[]).expect_err("fails");
    let HookFailure::Exited { output, .. } = e.failure else { panic!("unexpected {e}") };
    assert!(output.starts_with("...") && output.ends_with("4999\n5000"), "{output}");
    assert_eq!(output.chars().count(), MESSAGE_OUTPUT + 3);
}

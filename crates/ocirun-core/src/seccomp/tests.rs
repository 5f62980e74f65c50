//! The compiled programs, run through the interpreter: each test is a property of the filter
//! a profile becomes.

use super::arch::X32_SYSCALL_BIT;
use super::interp::{run, Data};
use super::*;

const X86_64: u32 = 0xc000_003e;
const I386: u32 = 0x4000_0003;
const AARCH64: u32 = 0xc000_00b7;

const ALLOW: u32 = 0x7fff_0000;
const KILL_THREAD: u32 = 0;
const KILL_PROCESS: u32 = 0x8000_0000;
const ERRNO: u32 = 0x0005_0000;
const ENOSYS: u32 = ERRNO | 38;
const EPERM: u32 = ERRNO | 1;

const GETPID: u32 = 39;
const GETPPID: u32 = 110;
const PERSONALITY: u32 = 135;

fn profile(json: serde_json::Value) -> Seccomp {
    serde_json::from_value(json).expect("a profile")
}

fn compile_x86_64(json: serde_json::Value) -> Program {
    compile(&profile(json), Abi::X86_64).expect("compiles")
}

fn call(p: &Program, arch: u32, nr: u32, args: [u64; 6]) -> u32 {
    run(&p.filter, &Data { nr, arch, args })
}

fn call0(p: &Program, nr: u32) -> u32 {
    call(p, X86_64, nr, [0; 6])
}

fn call_arg(p: &Program, nr: u32, index: usize, value: u64) -> u32 {
    let mut args = [0; 6];
    args[index] = value;
    call(p, X86_64, nr, args)
}

fn error_of(json: serde_json::Value) -> String {
    compile(&profile(json), Abi::X86_64).expect_err("refused").to_string()
}

#[test]
fn every_action_returns_its_kernel_value() {
    let cases = [
        ("SCMP_ACT_KILL", None, KILL_THREAD),
        ("SCMP_ACT_KILL_THREAD", None, KILL_THREAD),
        ("SCMP_ACT_KILL_PROCESS", None, KILL_PROCESS),
        ("SCMP_ACT_TRAP", None, 0x0003_0000),
        ("SCMP_ACT_ERRNO", None, EPERM),
        ("SCMP_ACT_ERRNO", Some(13), ERRNO | 13),
        ("SCMP_ACT_TRACE", None, 0x7ff0_0001),
        ("SCMP_ACT_TRACE", Some(99), 0x7ff0_0063),
        ("SCMP_ACT_LOG", None, 0x7ffc_0000),
        ("SCMP_ACT_NOTIFY", None, 0x7fc0_0000),
        ("SCMP_ACT_ALLOW", None, ALLOW),
    ];
    for (action, errno, expected) in cases {
        let mut rule = serde_json::json!({ "names": ["getppid"], "action": action });
        if let Some(e) = errno {
            rule["errnoRet"] = e.into();
        }
        let p = compile_x86_64(serde_json::json!({
            "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 5, "listenerPath": "/l", "syscalls": [rule]
        }));
        assert_eq!(call0(&p, GETPPID), expected, "{action} {errno:?}");
    }
}

#[test]
fn unnamed_syscalls_get_the_default_action() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 42,
        "syscalls": [{ "names": ["getpid"], "action": "SCMP_ACT_ALLOW" }]
    }));
    assert_eq!(call0(&p, GETPID), ALLOW);
    assert_eq!(call0(&p, 0), ERRNO | 42);
}

#[test]
fn the_default_errno_is_eperm() {
    let p = compile_x86_64(serde_json::json!({ "defaultAction": "SCMP_ACT_ERRNO" }));
    assert_eq!(call0(&p, GETPID), EPERM);
}

/// Values around 2^32 and 2^63, where a comparison of the low words alone goes wrong.
const PROBES: [u64; 9] =
    [0, 5, 0xffff_ffff, 0x1_0000_0004, 0x1_0000_0005, 0x1_0000_0006, 0x2_0000_0000, 1 << 63, u64::MAX];

#[test]
fn every_operator_compares_all_64_bits() {
    type Holds = fn(u64, u64) -> bool;
    let ops: [(&str, Holds); 6] = [
        ("SCMP_CMP_EQ", |a, v| a == v),
        ("SCMP_CMP_NE", |a, v| a != v),
        ("SCMP_CMP_LT", |a, v| a < v),
        ("SCMP_CMP_LE", |a, v| a <= v),
        ("SCMP_CMP_GE", |a, v| a >= v),
        ("SCMP_CMP_GT", |a, v| a > v),
    ];
    for (op, holds) in ops {
        for value in PROBES {
            let p = compile_x86_64(serde_json::json!({
                "defaultAction": "SCMP_ACT_ERRNO",
                "syscalls": [{ "names": ["personality"], "action": "SCMP_ACT_ALLOW",
                               "args": [{ "index": 2, "value": value, "op": op }] }]
            }));
            for arg in PROBES {
                let expected = if holds(arg, value) { ALLOW } else { EPERM };
                assert_eq!(call_arg(&p, PERSONALITY, 2, arg), expected, "{arg:#x} {op} {value:#x}");
            }
        }
    }
}

#[test]
fn masked_eq_compares_the_masked_argument_with_value_two() {
    let mask: u64 = 0x7e02_0000 | (0xf << 40);
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{ "names": ["clone"], "action": "SCMP_ACT_ALLOW",
                       "args": [{ "index": 0, "value": mask, "valueTwo": 0x2_0000_0000_0000u64, "op": "SCMP_CMP_MASKED_EQ" }] }]
    }));
    for arg in PROBES.into_iter().chain([0x2_0000_0000_0011, 0x2_0000_0002_0000, 0x3_0000_0000_0000]) {
        let expected = if arg & mask == 0x2_0000_0000_0000 { ALLOW } else { EPERM };
        assert_eq!(call_arg(&p, 56, 0, arg), expected, "{arg:#x}");
    }
}

#[test]
fn conditions_on_different_arguments_must_all_hold() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{ "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
            { "index": 0, "value": 1, "op": "SCMP_CMP_EQ" }, { "index": 1, "value": 2, "op": "SCMP_CMP_GE" }
        ] }]
    }));
    assert_eq!(call(&p, X86_64, PERSONALITY, [1, 2, 0, 0, 0, 0]), ALLOW);
    assert_eq!(call(&p, X86_64, PERSONALITY, [1, 9, 0, 0, 0, 0]), ALLOW);
    assert_eq!(call(&p, X86_64, PERSONALITY, [1, 1, 0, 0, 0, 0]), EPERM);
    assert_eq!(call(&p, X86_64, PERSONALITY, [0, 2, 0, 0, 0, 0]), EPERM);
}

#[test]
fn conditions_on_the_same_argument_are_alternatives() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{ "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
            { "index": 0, "value": 8, "op": "SCMP_CMP_EQ" }, { "index": 0, "value": 0xffffffffu64, "op": "SCMP_CMP_EQ" }
        ] }]
    }));
    assert_eq!(call_arg(&p, PERSONALITY, 0, 8), ALLOW);
    assert_eq!(call_arg(&p, PERSONALITY, 0, 0xffff_ffff), ALLOW);
    assert_eq!(call_arg(&p, PERSONALITY, 0, 9), EPERM);
}

#[test]
fn the_first_matching_conditional_rule_decides() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [
            { "names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7, "args": [{ "index": 0, "value": 1, "op": "SCMP_CMP_EQ" }] },
            { "names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 8, "args": [{ "index": 0, "value": 0, "op": "SCMP_CMP_GE" }] }
        ]
    }));
    assert_eq!(call_arg(&p, PERSONALITY, 0, 1), ERRNO | 7);
    assert_eq!(call_arg(&p, PERSONALITY, 0, 2), ERRNO | 8);
}

#[test]
fn another_architecture_is_killed() {
    let p = compile_x86_64(serde_json::json!({ "defaultAction": "SCMP_ACT_ALLOW" }));
    assert_eq!(call0(&p, GETPID), ALLOW);
    assert_eq!(call(&p, I386, 20, [0; 6]), KILL_THREAD);
    assert_eq!(call(&p, AARCH64, 172, [0; 6]), KILL_THREAD);
}

#[test]
fn listed_architectures_get_their_own_numbers() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"],
        "syscalls": [{ "names": ["getpid"], "action": "SCMP_ACT_ALLOW" }]
    }));
    assert_eq!(call(&p, I386, 20, [0; 6]), ALLOW);
    assert_eq!(call(&p, I386, 10, [0; 6]), EPERM);
    assert_eq!(call(&p, X86_64, GETPID | X32_SYSCALL_BIT, [0; 6]), ALLOW);
    // A kernel on x86_64 never runs aarch64 programs: listing it adds nothing, and it stays foreign.
    assert_eq!(call(&p, AARCH64, 172, [0; 6]), KILL_THREAD);
}

#[test]
fn an_x32_syscall_does_not_pass_a_filter_without_x32() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{ "names": ["getpid"], "action": "SCMP_ACT_ERRNO" }]
    }));
    assert_eq!(call0(&p, GETPID), EPERM);
    assert_eq!(call(&p, X86_64, GETPID | X32_SYSCALL_BIT, [0; 6]), KILL_THREAD);
    assert_eq!(call(&p, X86_64, u32::MAX, [0; 6]), KILL_THREAD);
}

#[test]
fn arguments_of_32_bit_abis_compare_their_low_words() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"],
        "syscalls": [{ "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 8, "op": "SCMP_CMP_EQ" }] }]
    }));
    assert_eq!(call(&p, I386, 136, [8, 0, 0, 0, 0, 0]), ALLOW);
    assert_eq!(call(&p, I386, 136, [0x1_0000_0008, 0, 0, 0, 0, 0]), ALLOW);
    assert_eq!(call(&p, I386, 136, [9, 0, 0, 0, 0, 0]), EPERM);
    assert_eq!(call(&p, X86_64, PERSONALITY, [0x1_0000_0008, 0, 0, 0, 0, 0]), EPERM);
}

#[test]
fn a_syscall_above_the_highest_named_gets_enosys() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{ "names": ["getpid", "getppid"], "action": "SCMP_ACT_ALLOW" }]
    }));
    assert_eq!(call0(&p, GETPPID + 1), ENOSYS);
    assert_eq!(call0(&p, 1000), ENOSYS);
    assert_eq!(call0(&p, GETPPID - 1), EPERM);
    assert_eq!(call(&p, X86_64, (GETPPID + 1) | X32_SYSCALL_BIT, [0; 6]), ENOSYS);
    assert_eq!(call(&p, X86_64, 100 | X32_SYSCALL_BIT, [0; 6]), EPERM);
    assert_eq!(call(&p, I386, 65, [0; 6]), ENOSYS);
    assert_eq!(call(&p, I386, 63, [0; 6]), EPERM);
}

#[test]
fn names_whose_rule_is_skipped_still_count_as_named() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{ "names": ["getpid"], "action": "SCMP_ACT_ALLOW" }, { "names": ["getppid"], "action": "SCMP_ACT_ERRNO" }]
    }));
    assert_eq!(call0(&p, GETPPID), EPERM);
    assert_eq!(call0(&p, GETPPID + 1), ENOSYS);
}

#[test]
fn a_permissive_default_action_answers_new_syscalls_with_itself() {
    for action in ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"] {
        let p = compile_x86_64(serde_json::json!({
            "defaultAction": action, "syscalls": [{ "names": ["getpid"], "action": "SCMP_ACT_KILL" }]
        }));
        assert_ne!(call0(&p, 1000), ENOSYS, "{action}");
        assert_eq!(call0(&p, 1000), call0(&p, 0), "{action}");
    }
}

#[test]
fn unknown_names_are_skipped_and_reported() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{ "names": ["getpid", "no_such_call", "socketcall"], "action": "SCMP_ACT_ALLOW" }]
    }));
    assert_eq!(call0(&p, GETPID), ALLOW);
    // socketcall exists on x86 only, which this profile does not list.
    assert_eq!(p.unknown_syscalls, vec!["no_such_call".to_string(), "socketcall".to_string()]);
}

#[test]
fn an_errno_on_an_action_that_takes_none_is_refused_naming_the_field() {
    let e = error_of(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{ "names": ["a"], "action": "SCMP_ACT_ERRNO" }, { "names": ["getpid"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1 }]
    }));
    assert_eq!(e, "linux.seccomp.syscalls[1].errnoRet: SCMP_ACT_ALLOW takes no errno");
    let e = error_of(serde_json::json!({ "defaultAction": "SCMP_ACT_KILL", "defaultErrnoRet": 1 }));
    assert_eq!(e, "linux.seccomp.defaultErrnoRet: SCMP_ACT_KILL takes no errno");
}

#[test]
fn notify_needs_a_listener_path_and_is_no_default() {
    let notify = serde_json::json!([{ "names": ["getpid"], "action": "SCMP_ACT_NOTIFY" }]);
    let e = error_of(serde_json::json!({ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": notify }));
    assert!(e.starts_with("linux.seccomp.listenerPath: is required"), "{e}");
    let e = error_of(serde_json::json!({ "defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "m" }));
    assert_eq!(e, "linux.seccomp.listenerMetadata: must not be set without listenerPath");
    let e = error_of(serde_json::json!({ "defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/l" }));
    assert!(e.starts_with("linux.seccomp.defaultAction: "), "{e}");
    let e = error_of(serde_json::json!({
        "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/l",
        "syscalls": [{ "names": ["sendmsg"], "action": "SCMP_ACT_NOTIFY" }]
    }));
    assert!(e.starts_with("linux.seccomp.syscalls[0].action: "), "{e}");
}

#[test]
fn an_argument_index_beyond_five_is_refused() {
    let e = error_of(serde_json::json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{ "names": ["getpid"], "action": "SCMP_ACT_ERRNO", "args": [{ "index": 6, "value": 0, "op": "SCMP_CMP_EQ" }] }]
    }));
    assert!(e.starts_with("linux.seccomp.syscalls[0].args[0].index: "), "{e}");
}

#[test]
fn flags_become_seccomp_flags() {
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
    }));
    assert_eq!(p.flags, sys::SECCOMP_FILTER_FLAG_LOG | sys::SECCOMP_FILTER_FLAG_SPEC_ALLOW);
    let p = compile_x86_64(serde_json::json!({
        "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/l", "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
        "syscalls": [{ "names": ["getppid"], "action": "SCMP_ACT_NOTIFY" }]
    }));
    assert_eq!(p.flags, sys::SECCOMP_FILTER_FLAG_NEW_LISTENER | sys::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    assert!(p.has_listener());
}

#[test]
fn a_flag_the_kernel_lacks_is_refused_naming_it() {
    let prof = profile(serde_json::json!({
        "defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]
    }));
    let p = compile(&prof, Abi::X86_64).expect("compiles");
    let e = check_flags(&prof, &p, |bits| bits != sys::SECCOMP_FILTER_FLAG_SPEC_ALLOW).expect_err("refused");
    assert_eq!(e.to_string(), "linux.seccomp.flags[1]: SECCOMP_FILTER_FLAG_SPEC_ALLOW is not supported by this kernel");
    assert!(check_kernel(&prof, &p).is_ok());
}

#[test]
fn the_program_crosses_the_socket_unchanged() {
    let p = compile_x86_64(
        serde_json::json!({ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{ "names": ["getpid"], "action": "SCMP_ACT_KILL" }] }),
    );
    assert_eq!(filter_from_bytes(&p.filter_bytes()), Some(p.filter.clone()));
    assert_eq!(filter_from_bytes(&[0; 7]), None);
}

#[test]
fn aarch64_compiles_with_its_own_numbers() {
    let prof = profile(serde_json::json!({
        "defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_X86_64"],
        "syscalls": [{ "names": ["getpid"], "action": "SCMP_ACT_ALLOW" }]
    }));
    let p = compile(&prof, Abi::Aarch64).expect("compiles");
    assert_eq!(call(&p, AARCH64, 172, [0; 6]), ALLOW);
    assert_eq!(call(&p, 0x4000_0028, 20, [0; 6]), ALLOW);
    assert_eq!(call(&p, X86_64, GETPID, [0; 6]), KILL_THREAD);
}

/// Every x86_64 and x86 syscall allowed or denied by turns, on x86_64, x86 and x32, and rules
/// with six conditions on a few of them: long chunks, many bodies, far targets everywhere.
#[test]
fn jumps_stay_in_range_on_a_large_profile() {
    let conditional = ["personality", "ioctl", "prctl", "socket", "clone", "fcntl"];
    let x86_64 = syscalls::x86_64::Sysno::iter().map(|s| s.name());
    let mut names: Vec<&str> = x86_64.chain(syscalls::x86::Sysno::iter().map(|s| s.name())).collect();
    names.sort_unstable();
    names.dedup();
    names.retain(|n| !conditional.contains(n));
    let even: Vec<&str> = names.iter().copied().step_by(2).collect();
    let odd: Vec<&str> = names.iter().copied().skip(1).step_by(2).collect();
    let mut rules = vec![
        serde_json::json!({ "names": even, "action": "SCMP_ACT_ALLOW" }),
        serde_json::json!({ "names": odd, "action": "SCMP_ACT_ERRNO", "errnoRet": 3 }),
    ];
    let six: Vec<serde_json::Value> =
        (0..6).map(|i| serde_json::json!({ "index": i, "value": i + 1, "op": "SCMP_CMP_EQ" })).collect();
    for name in conditional {
        for _ in 0..4 {
            rules.push(serde_json::json!({ "names": [name], "action": "SCMP_ACT_TRACE", "args": six }));
        }
    }
    let prof = profile(serde_json::json!({
        "defaultAction": "SCMP_ACT_KILL_PROCESS", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": rules
    }));
    let p = compile(&prof, Abi::X86_64).expect("compiles: every jump in range");
    assert!(p.filter.len() > 1000, "{} instructions", p.filter.len());
    for (arch, base) in [(X86_64, 0), (X86_64, X32_SYSCALL_BIT), (I386, 0)] {
        for nr in 0..600 {
            call(&p, arch, base | nr, [1, 2, 3, 4, 5, 6]);
            call(&p, arch, base | nr, [0; 6]);
        }
    }
    assert_eq!(call(&p, X86_64, PERSONALITY, [1, 2, 3, 4, 5, 6]), 0x7ff0_0001);
    assert_eq!(call(&p, X86_64, PERSONALITY, [1, 2, 3, 4, 5, 7]), KILL_PROCESS);
    let expected = |name: &str| if even.contains(&name) { ALLOW } else { ERRNO | 3 };
    assert_eq!(call0(&p, GETPID), expected("getpid"));
    assert_eq!(call0(&p, 0), expected("read"));
    assert_eq!(call(&p, I386, 20, [0; 6]), expected("getpid"));
}

fn docker_profile() -> Seccomp {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../../../test/fixtures/seccomp/docker-default.json")).expect("fixture");
    serde_json::from_value(doc["seccomp"].clone()).expect("a profile")
}

#[test]
fn dockers_default_profile_fits_the_kernels_limit_with_room() {
    let p = compile(&docker_profile(), Abi::X86_64).expect("compiles");
    assert!(p.filter.len() < 2048, "{} instructions", p.filter.len());
    assert_eq!(call0(&p, GETPID), ALLOW);
    assert_eq!(call0(&p, 165), EPERM, "mount");
    assert_eq!(call0(&p, 435), ERRNO | 38, "clone3");
    assert_eq!(call_arg(&p, 41, 0, 40), EPERM, "socket(AF_VSOCK)");
    assert_eq!(call_arg(&p, 41, 0, 1), ALLOW, "socket(AF_UNIX)");
    assert_eq!(call_arg(&p, 56, 0, 0x1000_0000), EPERM, "clone(CLONE_NEWUSER)");
    assert_eq!(call_arg(&p, 56, 0, 0x11), ALLOW, "clone(SIGCHLD)");
    assert_eq!(call0(&p, 1000), ENOSYS);
    assert_eq!(call(&p, I386, 20, [0; 6]), ALLOW, "getpid on i386");
    assert_eq!(call(&p, X86_64, GETPID | X32_SYSCALL_BIT, [0; 6]), ALLOW, "getpid on x32");
}

/// Information, not an assertion: what compiling Docker's profile costs (run with --nocapture;
/// the figure means something in release builds: cargo test --release).
#[test]
fn time_to_compile_dockers_default_profile() {
    let prof = docker_profile();
    let runs = 200;
    let start = std::time::Instant::now();
    let mut len = 0;
    for _ in 0..runs {
        len = compile(&prof, Abi::X86_64).expect("compiles").filter.len();
    }
    let each = start.elapsed() / runs;
    println!("seccomp: Docker's default profile (x86_64, x86, x32) compiles to {len} instructions in {each:?}");
}

// seccomp profiles on real containers: the probe (test/probe/seccomp-probe.c) makes syscalls
// inside the container and prints what each returned.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { type CliResult, Runtime, uniqueId } from '../helpers/cli.ts';
import { initsUnder } from '../helpers/procs.ts';
import { buildProbes, parseProbe, type Probes } from '../helpers/probe.ts';
import type { Spec } from '../../ts/spec/types.ts';

type Seccomp = NonNullable<NonNullable<Spec['linux']>['seccomp']>;

const SIGSYS = 31;
const EPERM = 1;
const EBADF = 9;
const ENOSYS = 38;

let rt: Runtime;
let bundle: TestBundle;
let probes: Probes;

test.before(() => {
  rt = new Runtime();
  probes = buildProbes();
  bundle = makeBundle(['/bin/probe']);
  probes.install(bundle.rootfs);
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
  probes.remove();
});

/** Runs the probe with `calls` under `seccomp`. */
function runProbe(seccomp: Seccomp, calls: string[], edit?: (s: Spec) => void): CliResult {
  bundle.write((s) => {
    s.process!.args = ['/bin/probe', ...calls];
    s.linux!.seccomp = seccomp;
    edit?.(s);
  });
  return rt.run(['run', '-b', bundle.dir, uniqueId('sc')]);
}

/** Runs the probe and returns its results; the run must succeed. */
function probe(t: ExecutionContext, seccomp: Seccomp, calls: string[], edit?: (s: Spec) => void) {
  const r = runProbe(seccomp, calls, edit);
  t.is(r.code, 0, r.stderr);
  return parseProbe(r.stdout);
}

const allowAllBut = (syscalls: Seccomp['syscalls']): Seccomp => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls });

/**
 * What the init does once the filter is loaded (with noNewPrivileges), as the README lists it,
 * and what the probe, a static glibc program, needs to start, print and exit.
 */
const INIT_AFTER_LOAD = ['sendto', 'openat', 'write', 'close', 'close_range', 'execve'];
const PROBE_NEEDS = ['brk', 'arch_prctl', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'readlink', 'getrandom', 'mprotect', 'lseek', 'newfstatat', 'exit_group', 'getpid'];

test.serial('a denied syscall returns the configured errno', (t) => {
  const calls = probe(t, allowAllBut([{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 42 }]), ['getpid', 'getppid']);
  t.is(calls.get('getpid')?.errno, 0);
  t.deepEqual(calls.get('getppid'), { result: -1, errno: 42 });
});

test.serial('SCMP_ACT_ERRNO without errnoRet answers EPERM', (t) => {
  const calls = probe(t, allowAllBut([{ names: ['getppid'], action: 'SCMP_ACT_ERRNO' }]), ['getppid']);
  t.is(calls.get('getppid')?.errno, EPERM);
});

for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS'] as const) {
  test.serial(`${action} kills the process with SIGSYS`, (t) => {
    const r = runProbe(allowAllBut([{ names: ['getppid'], action }]), ['getpid', 'getppid', 'getuid']);
    t.is(r.code, 128 + SIGSYS, r.stderr);
    const calls = parseProbe(r.stdout);
    t.true(calls.has('getpid'));
    t.false(calls.has('getppid'), 'the call never returned');
    t.false(calls.has('getuid'));
  });
}

test.serial('an argument filter allows one value and denies another, on all 64 bits', (t) => {
  const seccomp = allowAllBut([{ names: ['close'], action: 'SCMP_ACT_ERRNO', errnoRet: 14, args: [{ index: 0, value: 55, op: 'SCMP_CMP_EQ' }] }]);
  // The kernel truncates close's argument to an int, but the filter sees all 64 bits.
  const calls = probe(t, seccomp, ['close:55', 'close:56', 'close:0x100000037']);
  t.is(calls.get('close:55')?.errno, 14);
  t.is(calls.get('close:56')?.errno, EBADF);
  t.is(calls.get('close:0x100000037')?.errno, EBADF);
});

test.serial('conditions on the same argument are alternatives, as in runc', (t) => {
  const seccomp = allowAllBut([{
    names: ['close'], action: 'SCMP_ACT_ERRNO', errnoRet: 14,
    args: [{ index: 0, value: 55, op: 'SCMP_CMP_EQ' }, { index: 0, value: 0xf0, valueTwo: 0x70, op: 'SCMP_CMP_MASKED_EQ' }],
  }]);
  const calls = probe(t, seccomp, ['close:55', 'close:0x71', 'close:56']);
  t.is(calls.get('close:55')?.errno, 14);
  t.is(calls.get('close:0x71')?.errno, 14);
  t.is(calls.get('close:56')?.errno, EBADF);
});

/** A profile that allows only the init's documented needs and the probe's. */
function onlyWhatIsNeeded(extra: Partial<Seccomp> = {}): Seccomp {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 77,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: [...INIT_AFTER_LOAD, ...PROBE_NEEDS], action: 'SCMP_ACT_ALLOW' }],
    ...extra,
  };
}

test.serial('a profile allowing only what the README says the init needs, and the program, runs', (t) => {
  const calls = probe(t, onlyWhatIsNeeded(), ['getpid'], (s) => (s.process!.noNewPrivileges = true));
  t.is(calls.get('getpid')?.errno, 0);
});

test.serial('unnamed syscalls get defaultErrnoRet, and numbers above the highest named ENOSYS', (t) => {
  const calls = probe(t, onlyWhatIsNeeded(), ['getppid', 'getuid', '1000', 'int80:5000']);
  t.is(calls.get('getppid')?.errno, 77);
  t.is(calls.get('getuid')?.errno, 77);
  t.is(calls.get('1000')?.errno, ENOSYS);
  t.is(calls.get('int80:5000')?.errno, ENOSYS);
});

test.serial('where the filter is loaded follows noNewPrivileges, as in runc', (t) => {
  // Denying capset breaks the capability switch only when the filter is loaded before it.
  const seccomp = allowAllBut([{ names: ['capset'], action: 'SCMP_ACT_ERRNO' }]);
  const late = runProbe(seccomp, ['getpid'], (s) => (s.process!.noNewPrivileges = true));
  t.is(late.code, 0, late.stderr);
  const early = runProbe(seccomp, ['getpid'], (s) => (s.process!.noNewPrivileges = false));
  t.is(early.code, 1);
  t.regex(early.stderr, /EPERM/);
});

test.serial('the x86 ABI has its own numbers, and a filter without it kills it', (t) => {
  const rule = [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO' as const, errnoRet: 50 }];
  const calls = probe(t, { ...allowAllBut(rule), architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'] }, ['getpid', 'int80:20', 'int80:24']);
  t.is(calls.get('getpid')?.errno, 50);
  t.is(calls.get('int80:20')?.errno, 50, 'getpid on i386');
  t.is(calls.get('int80:24')?.errno, 0, 'getuid on i386');
  const r = runProbe(allowAllBut(rule), ['getuid', 'int80:24']);
  t.is(r.code, 128 + SIGSYS);
});

test.serial('an x32 syscall does not slip through a filter without x32', (t) => {
  const r = runProbe(allowAllBut([]), ['getpid', '0x40000027']);
  t.is(r.code, 128 + SIGSYS, r.stderr);
  // With x32 in the filter the kernel answers (ENOSYS where it has no x32 support).
  const calls = probe(t, { ...allowAllBut([]), architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'] }, ['0x40000027']);
  t.true(calls.has('0x40000027'));
});

test.serial('unknown syscall names are skipped', (t) => {
  const seccomp = allowAllBut([{ names: ['no_such_syscall', 'getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 21 }]);
  bundle.write((s) => {
    s.process!.args = ['/bin/probe', 'getppid'];
    s.linux!.seccomp = seccomp;
  });
  const r = rt.run(['--debug', 'run', '-b', bundle.dir, uniqueId('sc')]);
  t.is(r.code, 0, r.stderr);
  t.is(parseProbe(r.stdout).get('getppid')?.errno, 21);
  t.regex(r.stderr, /unknown seccomp syscall \\?"no_such_syscall\\?" ignored/);
});

/** Runs `create` with a bad profile; it must fail naming `message` and leave nothing. */
function refused(t: ExecutionContext, seccomp: unknown, message: RegExp): void {
  bundle.write((s) => (s.linux!.seccomp = seccomp as Seccomp));
  const id = uniqueId('bad');
  const r = rt.run(['create', '-b', bundle.dir, id]);
  t.is(r.code, 1, r.stdout);
  t.regex(r.stderr, message);
  t.false(existsSync(join(rt.root, id)), 'no state directory');
  t.deepEqual(initsUnder(rt.root), [], 'no init process');
}

test.serial('a bad profile is refused with the field named and leaves nothing behind', (t) => {
  const getpid = (rule: object) => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], ...rule }] });
  refused(t, getpid({ action: 'SCMP_ACT_ALLOW', errnoRet: 1 }), /linux\.seccomp\.syscalls\[0\]\.errnoRet: SCMP_ACT_ALLOW takes no errno/);
  refused(t, getpid({ action: 'SCMP_ACT_MAYBE' }), /linux\.seccomp\.syscalls\[0\]\.action/);
  refused(t, { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX'] }, /linux\.seccomp\.architectures\[0\]/);
  refused(t, getpid({ action: 'SCMP_ACT_NOTIFY' }), /linux\.seccomp\.listenerPath: is required/);
  refused(t, { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' }, /linux\.seccomp\.listenerMetadata/);
  // Checked by the compiler in the launcher, not by the TypeScript checks.
  refused(t, getpid({ action: 'SCMP_ACT_ERRNO', errnoRet: 70000 }), /linux\.seccomp\.syscalls\[0\]\.errnoRet: 70000 does not fit/);
});

test.serial('a listener that is not there fails create with a clear error', (t) => {
  refused(
    t,
    { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: join(bundle.dir, 'nobody.sock'), syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }] },
    /linux\.seccomp\.listenerPath: send the seccomp notification descriptor to .*nobody\.sock.*ENOENT/,
  );
});

test.serial('SCMP_ACT_NOTIFY hands the agent the state and a notification descriptor it can answer with', async (t) => {
  const socket = join(bundle.dir, 'agent.sock');
  const stateFile = join(bundle.dir, 'agent-state.json');
  const agent = spawn(probes.agent, [socket, stateFile, '4242'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let said = '';
  agent.stdout.on('data', (d: Buffer) => (said += d.toString()));
  const exited = new Promise<number | null>((resolve) => agent.on('exit', resolve));
  while (!said.includes('listening')) await new Promise((r) => setTimeout(r, 20));

  bundle.write((s) => {
    s.process!.args = ['/bin/probe', '-o', '/tmp/probe.out', 'getpid', 'getppid'];
    s.root!.readonly = false;
    s.annotations = { 'org.example/key': 'value' };
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: socket,
      listenerMetadata: 'MKNOD=/dev/null',
      syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_NOTIFY' }],
    };
  });
  const id = uniqueId('notify');
  const created = rt.run(['create', '-b', bundle.dir, id]);
  t.is(created.code, 0, created.stderr);
  const pid = rt.state(id)['pid'];
  t.is(rt.run(['start', id]).code, 0);
  t.is(await exited, 0, said);
  for (let i = 0; i < 200 && rt.state(id)['status'] !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 20));
  rt.run(['delete', '--force', id]);

  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
  t.deepEqual(state['fds'], ['seccompFd']);
  t.is(state['pid'], pid);
  t.is(state['metadata'], 'MKNOD=/dev/null');
  t.like(state['state'] as object, { id, status: 'creating', pid, bundle: bundle.dir, annotations: { 'org.example/key': 'value' } });
  t.regex(said, /fd anon_inode:seccomp notify/);
  t.regex(said, /notified 110/);
  const calls = parseProbe(readFileSync(join(bundle.rootfs, 'tmp', 'probe.out'), 'utf8'));
  t.deepEqual(calls.get('getppid'), { result: 4242, errno: 0 }, 'the agent answered getppid');
});

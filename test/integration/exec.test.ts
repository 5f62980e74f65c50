// exec: a new process in a running container, as runc runs it: in every namespace and the
// cgroups of the container, at its root, with the settings of its config.json unless the
// flags change them, and its seccomp profile; the process's status is exec's.
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Factory } from '../../ts/index.ts';
import type { Spec } from '../../ts/spec/types.ts';
import { cgroupDir } from '../helpers/cgroups.ts';
import { type CliResult, testEnv, uniqueId } from '../helpers/cli.ts';
import { useRuntimeAndBundle } from '../helpers/fixture.ts';
import { cliPath } from '../helpers/paths.ts';
import { isRunning, processesIn, waitFor } from '../helpers/procs.ts';

const f = useRuntimeAndBundle();

/** A running container of `sleep`, deleted when the test ends; returns its id and init pid. */
function running(t: ExecutionContext, edit?: (s: Spec) => void, createFlags: string[] = []): { id: string; pid: number } {
  f.bundle.write((s) => {
    s.process!.args = ['sleep', '300'];
    edit?.(s);
  });
  const id = uniqueId('exec');
  const r = f.rt.run(['run', '-d', ...createFlags, '-b', f.bundle.dir, id]);
  if (r.code !== 0) throw new Error(`run -d: ${r.stderr}`);
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  return { id, pid: f.rt.state(id)['pid'] as number };
}

const exec = (args: string[]): CliResult => f.rt.run(['exec', ...args]);

test.serial('exec runs a command in the container, prints its output and exits with its status', (t) => {
  const { id } = running(t);
  const r = exec([id, 'sh', '-c', 'echo hello from exec; exit 3']);
  t.is(r.stdout, 'hello from exec\n');
  t.is(r.code, 3);
});

test.serial("the exec'd process is in every namespace of the container", (t) => {
  const { id, pid } = running(t);
  const kinds = ['mnt', 'pid', 'net', 'ipc', 'uts'];
  const r = exec([id, 'sh', '-c', kinds.map((k) => `readlink /proc/self/ns/${k}`).join('; ')]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), kinds.map((k) => readlinkSync(`/proc/${pid}/ns/${k}`)));
  t.notDeepEqual(r.stdout.trim().split('\n'), kinds.map((k) => readlinkSync(`/proc/self/ns/${k}`)));
});

test.serial("the exec'd process is in the container's cgroups", (t) => {
  const { id, pid } = running(t);
  const pidFile = join(f.bundle.dir, 'exec.pid');
  t.is(exec(['--detach', '--pid-file', pidFile, id, 'sleep', '30']).code, 0);
  const execPid = Number(readFileSync(pidFile, 'utf8'));
  t.is(readFileSync(`/proc/${execPid}/cgroup`, 'utf8'), readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
});

test.serial("it sees the container's root filesystem and hostname, not the host's", (t) => {
  writeFileSync(join(f.bundle.rootfs, 'etc', 'marker'), 'inside\n');
  const { id } = running(t, (s) => (s.hostname = 'exec-box'));
  const r = exec([id, 'sh', '-c', 'cat /etc/marker; hostname; test -e /work && echo host-visible || echo host-hidden']);
  t.is(r.stdout, 'inside\nexec-box\nhost-hidden\n', r.stderr);
});

test.serial("config.json's environment, user and capabilities apply unless flags change them", (t) => {
  const { id, pid } = running(t, (s) => {
    s.process!.env = [...(s.process!.env ?? []), 'FROM_CONFIG=yes'];
    s.process!.user = { uid: 1000, gid: 1000 };
  });
  const r = exec([id, 'sh', '-c', 'echo $FROM_CONFIG; id -u; grep CapEff /proc/self/status']);
  const initCaps = /CapEff:\s+(\w+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  t.is(r.stdout, `yes\n1000\nCapEff:\t${initCaps}\n`, r.stderr);
});

test.serial('--user, --additional-gids, --env and --cwd change the process as runc does', (t) => {
  const { id } = running(t);
  const r = exec(['--user', '1000:1000', '--additional-gids', '5', '--env', 'A=1', '-e', 'B=2', '--cwd', '/tmp', id, 'sh', '-c', 'id -u; id -g; id -G; echo $A$B; pwd']);
  t.is(r.stdout, '1000\n1000\n1000 5\n12\n/tmp\n', r.stderr);
});

test.serial('--cap adds a capability and --no-new-privs sets no_new_privs', (t) => {
  const { id } = running(t, (s) => (s.process!.noNewPrivileges = false));
  const capSysAdmin = 1n << 21n;
  const caps = (text: string): bigint => BigInt(`0x${/CapEff:\s+(\w+)/.exec(text)?.[1] ?? '0'}`);
  const plain = exec([id, 'cat', '/proc/self/status']);
  const added = exec(['--cap', 'CAP_SYS_ADMIN', id, 'cat', '/proc/self/status']);
  t.is(caps(plain.stdout) & capSysAdmin, 0n);
  t.is(caps(added.stdout) & capSysAdmin, capSysAdmin);
  t.regex(plain.stdout, /NoNewPrivs:\s+0/);
  t.regex(exec(['--no-new-privs', id, 'cat', '/proc/self/status']).stdout, /NoNewPrivs:\s+1/);
});

test.serial('--process runs the process a process.json describes, terminal and all settings from it', (t) => {
  const { id } = running(t);
  const file = join(f.bundle.dir, 'process.json');
  writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'id -u; echo $ONLY; pwd'], cwd: '/etc', env: ['ONLY=from-file', 'PATH=/bin'], user: { uid: 7, gid: 7 } }));
  const r = exec(['--process', file, id]);
  t.is(r.stdout, '7\nfrom-file\n/etc\n', r.stderr);
});

test.serial('a bad process.json is refused with the field named, exit 255, and nothing runs', (t) => {
  const { id } = running(t);
  const file = join(f.bundle.dir, 'bad-process.json');
  writeFileSync(file, JSON.stringify({ args: ['true'], cwd: 'relative' }));
  const r = exec(['--process', file, id]);
  t.is(r.code, 255);
  t.regex(r.stderr, /exec failed: .*bad-process\.json: cwd: /);
});

test.serial('--detach returns at once and --pid-file holds the pid of the process, which runs', (t) => {
  const { id } = running(t);
  const pidFile = join(f.bundle.dir, 'detached.pid');
  const r = exec(['-d', '--pid-file', pidFile, id, 'sleep', '30']);
  t.is(r.code, 0, r.stderr);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.true(isRunning(pid));
  t.is(readFileSync(`/proc/${pid}/comm`, 'utf8'), 'sleep\n');
});

test.serial('exec into a stopped container is refused', (t) => {
  f.bundle.write((s) => (s.process!.args = ['true']));
  const id = uniqueId('exec');
  t.is(f.rt.run(['create', '-b', f.bundle.dir, id]).code, 0);
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  t.is(f.rt.run(['start', id]).code, 0);
  t.true(waitFor(() => f.rt.state(id)['status'] === 'stopped'));
  const r = exec([id, 'true']);
  t.is(r.code, 255);
  t.regex(r.stderr, /exec failed: cannot exec in a stopped container/);
});

test.serial('exec into a paused container is refused unless --ignore-paused, which starts it frozen', (t) => {
  const { id } = running(t);
  t.is(f.rt.run(['pause', id]).code, 0);
  const r = exec([id, 'true']);
  t.is(r.code, 255);
  t.regex(r.stderr, /cannot exec in a paused container \(use --ignore-paused to override\)/);
  const pidFile = join(f.bundle.dir, 'paused.pid');
  t.is(exec(['--ignore-paused', '-d', '--pid-file', pidFile, id, 'sleep', '30']).code, 0);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.not(readFileSync(`/proc/${pid}/comm`, 'utf8'), 'sleep\n', 'frozen before its exec');
  t.is(f.rt.run(['resume', id]).code, 0);
  t.true(waitFor(() => readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n'), 'runs once resumed');
});

test.serial('a program that does not exist fails exec with 255, naming it, and leaves no process', (t) => {
  const { id, pid } = running(t);
  const before = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  const r = exec([id, '/no/such/program']);
  t.is(r.code, 255);
  t.regex(r.stderr, /exec failed: .*\/no\/such\/program.*ENOENT/);
  const pids = f.rt.run(['ps', '--format', 'json', id]).stdout;
  t.deepEqual(JSON.parse(pids), [pid], before);
});

test.serial("the container's seccomp profile applies to the exec'd process", (t) => {
  const { id } = running(t, (s) => {
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
  });
  const r = exec([id, 'mkdir', '/tmp/denied']);
  t.not(r.code, 0);
  t.regex(r.stderr, /Operation not permitted/);
});

test.serial("only stdio reaches the exec'd process, and --preserve-fds passes more", (t) => {
  const { id } = running(t);
  const plain = exec([id, 'ls', '/proc/self/fd']);
  // ls's own directory descriptor is the 3 it lists.
  t.is(plain.stdout, '0\n1\n2\n3\n', plain.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-fds-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'shared'), 'passed through\n');
  const shared = openSync(join(dir, 'shared'), 'r');
  const out = openSync(join(dir, 'out'), 'w');
  try {
    const r = spawnSync(cliPath, f.rt.args(['exec', '--preserve-fds', '1', id, 'cat', '/proc/self/fd/3']), { env: testEnv, stdio: ['ignore', out, 'pipe', shared] });
    t.is(r.status, 0, r.stderr?.toString());
  } finally {
    closeSync(shared);
    closeSync(out);
  }
  t.is(readFileSync(join(dir, 'out'), 'utf8'), 'passed through\n');
});

test.serial('--preserve-fds refuses a descriptor ocirun was not given', (t) => {
  const { id } = running(t);
  const r = exec(['--preserve-fds', '2', id, 'true']);
  t.is(r.code, 255);
  t.regex(r.stderr, /--preserve-fds 2: descriptor 3 was not passed to ocirun/);
});

test.serial("process.execCPUAffinity pins the exec'd process, never the container's init", (t) => {
  const { id, pid } = running(t, (s) => (s.process!.execCPUAffinity = { initial: '0', final: '1' }));
  const r = exec([id, 'grep', 'Cpus_allowed_list', '/proc/self/status']);
  t.is(r.stdout, 'Cpus_allowed_list:\t1\n', r.stderr);
  t.notRegex(readFileSync(`/proc/${pid}/status`, 'utf8'), /Cpus_allowed_list:\s+1\n/);
});

test.serial('--cgroup runs the process in an existing sub-cgroup of the container', (t) => {
  let memory: string | undefined;
  // Registered first, so that it runs after the container is gone.
  t.teardown(() => {
    if (memory) waitFor(() => removed(join(memory!, 'worker')));
  });
  const { id } = running(t);
  memory = cgroupDir(f.rt.record(id).cgroupPaths!, 'memory');
  if (!memory) return t.pass('no memory cgroup on this host');
  mkdirSync(join(memory, 'worker'));
  const pidFile = join(f.bundle.dir, 'sub.pid');
  t.is(exec(['--cgroup', 'memory:worker', '-d', '--pid-file', pidFile, id, 'sleep', '30']).code, 0);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.regex(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), /:memory:.*\/worker\n/);
  t.regex(exec(['--cgroup', 'memory:../escape', id, 'true']).stderr, /--cgroup: .* is not a relative path below the container's cgroup/);
});

function removed(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

test.serial('a container made with --no-pivot is entered at its root', (t) => {
  writeFileSync(join(f.bundle.rootfs, 'etc', 'marker'), 'no-pivot root\n');
  const { id } = running(t, undefined, ['--no-pivot']);
  const r = exec([id, 'cat', '/etc/marker']);
  t.is(r.stdout, 'no-pivot root\n', r.stderr);
});

test.serial('signals ocirun receives go on to the process of a foreground exec', async (t) => {
  const { id } = running(t);
  const child = f.rt.spawn(['exec', id, 'sh', '-c', 'trap "exit 42" TERM; echo up; while true; do sleep 0.1; done']);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  child.kill('SIGTERM');
  t.is(await exited, 42);
});

/** The pids whose parent is `pid` (any of its threads), read quickly from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

test.serial('a signal ocirun receives while the exec is being set up reaches the process instead of ending ocirun', async (t) => {
  const { id, pid } = running(t);
  const child = f.rt.spawn(['exec', id, 'sleep', '100']);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // ocirun is stopped the moment it has spawned the init for the exec, before it has the
  // process, and SIGTERM waits for it there: it is delivered as ocirun goes on.
  while (childrenOf(child.pid!).length === 0 && child.exitCode === null) await new Promise((r) => setImmediate(r));
  child.kill('SIGSTOP');
  child.kill('SIGTERM');
  child.kill('SIGCONT');
  t.is(await exited, 128 + 15, 'the exec\'d process got SIGTERM and ocirun reported it');
  t.deepEqual(processesIn(pid).filter((p) => p !== pid), [], 'nothing is left in the container');
});

test.serial('64-bit values of the process (an unlimited rlimit) reach the exec exactly', (t) => {
  f.bundle.write((s) => {
    s.process!.args = ['sleep', '300'];
    s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 1, hard: 1 }];
  });
  // JSON.stringify cannot write 2^64 - 1 exactly: the file gets the exact text.
  const config = join(f.bundle.dir, 'config.json');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/"soft": 1,\s*"hard": 1/, '"soft": 18446744073709551615, "hard": 18446744073709551615'));
  const id = uniqueId('exec');
  t.is(f.rt.run(['run', '-d', '-b', f.bundle.dir, id]).code, 0);
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  const r = exec([id, 'sh', '-c', 'ulimit -c']);
  t.is(r.stdout, 'unlimited\n', r.stderr);
});

test.serial('the library: exec with pipes gives streams and the exit status', async (t) => {
  const { id } = running(t);
  const factory = new Factory({ root: f.rt.root });
  const container = await factory.load(id);
  const proc = await container.exec({ args: ['sh', '-c', 'read x; echo "got $x"; exit 5'], stdio: 'pipe' });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  proc.stdin!.end('line\n');
  t.deepEqual(await proc.wait(), { status: 5 });
  await new Promise((resolve) => (proc.stdout!.readableEnded ? resolve(null) : proc.stdout!.once('end', resolve)));
  t.is(out, 'got line\n');
});

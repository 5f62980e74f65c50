// Rootless mode: ocirun run by an unprivileged user (one the tests create, with ranges in
// /etc/subuid and /etc/subgid). Its containers run as that user on the host and as root in
// their user namespace, keep state under $XDG_RUNTIME_DIR/ocirun, and have cgroups only
// where they are delegated to the user.
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Spec } from '../../ts/spec/types.ts';
import { makeRootfs } from '../helpers/bundle.ts';
import { type CliResult, runToFiles, testEnv, uniqueId } from '../helpers/cli.ts';
import { cliPath } from '../helpers/paths.ts';
import { rootlessUser } from '../helpers/rootless-user.ts';

let user = '';
let uid = 0;
let gid = 0;
let subBase = 0;
let runtimeDir = '';
let bundle = '';

/** Runs the CLI as the test user, with its own XDG_RUNTIME_DIR and the bundle as cwd. */
function asUser(args: string[], session?: string): CliResult {
  const env = { XDG_RUNTIME_DIR: runtimeDir, HOME: runtimeDir };
  if (!session) return runToFiles(cliPath, args, { cwd: bundle, uid, gid, env });
  // In a delegated session the runtime starts as root, joins the session's cgroups, and
  // only then drops to the user, as a login into a systemd Delegate= slice would.
  const drop = `for d in ${session}; do echo $$ > $d/cgroup.procs; done; exec setpriv --reuid=${uid} --regid=${gid} --clear-groups "$@"`;
  return runToFiles('sh', ['-c', drop, 'sh', cliPath, ...args], { cwd: bundle, env });
}

/** config.json as `ocirun spec --rootless` writes it for the user, then edited. */
function writeConfig(args: string[], edit?: (s: Spec) => void): void {
  rmSync(join(bundle, 'config.json'), { force: true });
  const r = asUser(['spec', '--rootless']);
  if (r.code !== 0) throw new Error(`spec --rootless: ${r.stderr}`);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Spec;
  spec.process!.terminal = false;
  spec.process!.args = args;
  edit?.(spec);
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
}

function detached(t: ExecutionContext): { id: string; pid: number } {
  const id = uniqueId('rootless');
  t.teardown(() => asUser(['delete', '--force', id]));
  writeConfig(['sleep', '100']);
  const r = asUser(['run', '-d', id]);
  t.is(r.code, 0, r.stderr);
  const state = JSON.parse(asUser(['state', id]).stdout) as { pid: number };
  return { id, pid: state.pid };
}

test.before(() => {
  ({ name: user, uid, gid, subBase } = rootlessUser());
  runtimeDir = mkdtempSync(join(tmpdir(), 'ocirun-xdg-'));
  bundle = mkdtempSync(join(tmpdir(), 'ocirun-rootless-'));
  makeRootfs(bundle);
  execFileSync('chown', ['-R', `${uid}:${gid}`, runtimeDir, bundle]);
  chmodSync(bundle, 0o755);
});

test.after.always(() => {
  rmSync(runtimeDir, { recursive: true, force: true });
  rmSync(bundle, { recursive: true, force: true });
});

test.serial('a rootless container runs and is root in its user namespace, the user mapped to it', (t) => {
  writeConfig(['sh', '-c', 'id -u; id -g; cat /proc/self/uid_map']);
  const r = asUser(['run', uniqueId('rootless')]);
  t.is(r.code, 0, r.stderr);
  const [u, g, map] = r.stdout.trim().split('\n');
  t.deepEqual([u, g, map?.trim().split(/\s+/).join(' ')], ['0', '0', `0 ${uid} 1`]);
});

test.serial('on the host its processes are the unprivileged user', (t) => {
  const { pid } = detached(t);
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
  t.is(line, `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`);
});

test.serial('its state lives under $XDG_RUNTIME_DIR/ocirun', (t) => {
  const { id } = detached(t);
  t.true(existsSync(join(runtimeDir, 'ocirun', id, 'state.json')));
  t.regex(asUser(['list']).stdout, new RegExp(`^${id}\\s+\\d+\\s+running\\s.*${user}$`, 'm'));
});

test.serial('exec joins it as root', (t) => {
  const { id } = detached(t);
  const r = asUser(['exec', id, 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')), ['0', `0 ${uid} 1`]);
});

test.serial('it cannot read or write the host\'s files that its user could not', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-hostonly-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'secret'), 'root only\n', { mode: 0o600 });
  writeConfig(['sh', '-c', 'cat /host/secret; touch /host/new; echo done'], (s) => {
    s.mounts!.push({ destination: '/host', type: 'bind', source: dir, options: ['rbind', 'rw'] });
  });
  const r = asUser(['run', uniqueId('rootless')]);
  t.regex(r.stdout + r.stderr, /secret'?: Permission denied/);
  t.regex(r.stdout + r.stderr, /new: Permission denied/);
  t.false(existsSync(join(dir, 'new')));
});

test.serial('a sysfs it cannot mount, sharing the host\'s network, is the host\'s /sys bound read-only', (t) => {
  writeConfig(['sh', '-c', 'ls /sys/kernel >/dev/null && echo listed; touch /sys/kernel/x 2>&1; grep " /sys" /proc/self/mountinfo'], (s) => {
    s.mounts = s.mounts!.map((m) => (m.destination === '/sys' ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] } : m));
  });
  const r = asUser(['run', uniqueId('rootless')]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^listed$/m);
  t.regex(r.stdout, /Read-only file system/);
  t.regex(r.stdout, / \/sys ro,nosuid,nodev,noexec/);
  // The host's mounts below /sys came along: a new sysfs would have none.
  t.regex(r.stdout, / \/sys\/fs\/cgroup /);
});

test.serial('several ranges are mapped through newuidmap and newgidmap from /etc/subuid and /etc/subgid', (t) => {
  const maps = [{ containerID: 0, hostID: 0, size: 1 }, { containerID: 1, hostID: subBase, size: 65536 }];
  writeConfig(['cat', '/proc/self/uid_map', '/proc/self/gid_map'], (s) => {
    s.linux!.uidMappings = maps.map((m, i) => (i === 0 ? { ...m, hostID: uid } : m));
    s.linux!.gidMappings = maps.map((m, i) => (i === 0 ? { ...m, hostID: gid } : m));
  });
  const r = asUser(['run', uniqueId('rootless')]);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  t.deepEqual(lines, [`0 ${uid} 1`, `1 ${subBase} 65536`, `0 ${gid} 1`, `1 ${subBase} 65536`]);
});

test.serial('a range the user was not given is refused with newuidmap\'s reason, leaving nothing', (t) => {
  const id = uniqueId('rootless');
  writeConfig(['true'], (s) => s.linux!.uidMappings!.push({ containerID: 1, hostID: subBase + 100000, size: 10 }));
  const r = asUser(['run', id]);
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`newuidmap \\d+ 0 ${uid} 1 1 ${subBase + 100000} 10: newuidmap: uid range .* not allowed`));
  t.false(existsSync(join(runtimeDir, 'ocirun', id)));
});

test.serial('resource limits are refused in rootless mode, naming the setting', (t) => {
  const id = uniqueId('rootless');
  writeConfig(['true'], (s) => (s.linux!.resources = { memory: { limit: 64 * 1024 * 1024 } }));
  const r = asUser(['run', id]);
  t.is(r.code, 1);
  t.regex(r.stderr, /linux\.resources\.memory: cannot be applied in rootless mode: the container has no cgroup of its own/);
  t.false(existsSync(join(runtimeDir, 'ocirun', id)));
});

test.serial('what needs a cgroup says the rootless container has none', (t) => {
  const { id } = detached(t);
  const r = asUser(['pause', id]);
  t.is(r.code, 1);
  t.regex(r.stderr, /the container has no cgroup: it was created in rootless mode/);
});

test.serial('--rootless true makes root\'s containers rootless too: no cgroup', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ocirun-root-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  makeRootfs(dir);
  const run = (args: string[]) => spawnSync(cliPath, ['--root', root, '--rootless', 'true', ...args], { cwd: dir, env: testEnv, stdio: 'ignore' });
  t.is(run(['spec']).status, 0);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec;
  spec.process!.terminal = false;
  spec.process!.args = ['sleep', '100'];
  delete spec.linux!.resources;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  const id = uniqueId('rootless');
  t.teardown(() => run(['delete', '--force', id]));
  t.is(run(['run', '-d', id]).status, 0);
  const record = JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8')) as { cgroupPaths?: unknown; rootless?: boolean };
  t.deepEqual([record.cgroupPaths, record.rootless], [undefined, true]);
});

/**
 * Cgroups delegated to the test user, as systemd's Delegate= gives them: a directory of its
 * own in every hierarchy, and a session cgroup in it that the runtime runs from.
 */
function delegate(t: ExecutionContext): { name: string; session: string } {
  const name = `ocirun-deleg-${process.pid}`;
  const hierarchies = readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h)).filter((h) => existsSync(join(h, 'cgroup.procs')));
  for (const h of hierarchies) {
    for (const dir of [join(h, name), join(h, name, 'session')]) {
      mkdirSync(dir);
      // A v1 cpuset takes no process until it has cpus and mems.
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        if (basename(h) === 'cpuset') writeFileSync(join(dir, f), readFileSync(join(h, f)));
      }
    }
    execFileSync('chown', ['-R', `${uid}:${gid}`, join(h, name)]);
  }
  t.teardown(() => {
    for (const h of hierarchies) {
      for (const dir of [join(h, name, 'session'), join(h, name)]) if (existsSync(dir)) rmdirSync(dir);
    }
  });
  return { name, session: hierarchies.map((h) => join(h, name, 'session')).join(' ') };
}

test.serial('in cgroups delegated to the user, a rootless container gets its own, with its limits, updates, ps and pause', (t) => {
  const { name, session } = delegate(t);
  const id = uniqueId('rootless');
  writeConfig(['sleep', '100'], (s) => {
    s.linux!.cgroupsPath = `/${name}/${id}`;
    s.linux!.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 50 } };
  });
  t.teardown(() => asUser(['delete', '--force', id], session));
  const r = asUser(['run', '-d', id], session);
  t.is(r.code, 0, r.stderr);
  const pid = (JSON.parse(asUser(['state', id]).stdout) as { pid: number }).pid;
  const dir = (h: string) => `/sys/fs/cgroup/${h}/${name}/${id}`;
  t.is(readFileSync(`${dir('memory')}/memory.limit_in_bytes`, 'utf8').trim(), String(64 * 1024 * 1024));
  t.is(readFileSync(`${dir('pids')}/pids.max`, 'utf8').trim(), '50');
  t.true(readFileSync(`${dir('unified')}/cgroup.procs`, 'utf8').split('\n').includes(String(pid)));
  t.is(asUser(['update', '--pids-limit', '20', id], session).code, 0);
  t.is(readFileSync(`${dir('pids')}/pids.max`, 'utf8').trim(), '20');
  t.regex(asUser(['ps', id], session).stdout, new RegExp(`^\\S+\\s+${pid}\\s`, 'm'));
  t.is(asUser(['pause', id], session).code, 0);
  t.regex(readFileSync(`${dir('freezer')}/freezer.state`, 'utf8'), /FROZEN/);
  t.is(asUser(['delete', '--force', id], session).code, 0);
  t.false(existsSync(dir('memory')));
});

test.serial('without delegation the refusal names the directory the user may not write', (t) => {
  writeConfig(['true'], (s) => (s.linux!.resources = { pids: { limit: 50 } }));
  const r = asUser(['run', uniqueId('rootless')]);
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`linux\\.resources\\.pids: cannot be applied in rootless mode: the container has no cgroup of its own \\(/sys/fs/cgroup/\\S+ is not delegated to uid ${uid}\\)`));
});

test.serial('the user\'s CLI keeps its start-up code caches in a cache directory of its own', (t) => {
  // The package's dist/.code-cache is root's (0700); the user's go under ~/.cache instead.
  asUser(['list']);
  const dir = join(runtimeDir, '.cache', 'ocirun', 'code-cache');
  t.true(existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('-list.v8')), dir);
});

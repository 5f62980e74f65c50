// The spec's hooks on real containers: each kind at its point, in its namespaces, with the
// state on stdin, its own argv and environment; failures fail the operation with the hook
// named and leave nothing behind; timeouts kill; poststop only warns.
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Factory, HookError } from '../../ts/index.ts';
import type { Hook, Hooks, Spec } from '../../ts/spec/types.ts';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { Runtime, uniqueId } from '../helpers/cli.ts';
import { cgroupDirsAt } from '../helpers/cgroups.ts';
import { initsUnder, isRunning, waitFor } from '../helpers/procs.ts';

let rt: Runtime;
let bundle: TestBundle;
/** Where the hooks write what they saw (bound at /hookout in the container). */
let out: string;

test.before(() => {
  rt = new Runtime();
  bundle = makeBundle(['sleep', '30']);
});

test.beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'ocirun-hookout-'));
});

test.afterEach.always(() => {
  rmSync(out, { recursive: true, force: true });
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
});

/**
 * A hook (sh, the host's or, for startContainer, the container's busybox) that records, under
 * `label` in `dir`: its stdin, its argv and environment as execve gave them, its namespaces and
 * hostname, and its place in the order of all hooks.
 */
function recorder(label: string, dir = out, extra = ''): Hook {
  const script = [
    `d=${dir}; k=${label}`,
    'cat > $d/$k.state',
    'cat /proc/$$/cmdline > $d/$k.argv',
    'cat /proc/$$/environ > $d/$k.environ',
    'for n in mnt uts net pid; do readlink /proc/self/ns/$n > $d/$k.$n; done',
    'hostname > $d/$k.hostname',
    extra,
    'echo $k >> $d/order',
  ].join('\n');
  return { path: '/bin/sh', args: ['sh', '-c', script, 'hook-sh'], env: [`HOOK=${label}`] };
}

/** A hook that fails: prints to stderr and exits with `status`. */
function failing(status: number, message: string): Hook {
  return { path: '/bin/sh', args: ['sh', '-c', `echo "ignored on stdout"; echo "${message}" >&2; exit ${status}`] };
}

function read(label: string, what: string): string {
  return readFileSync(join(out, `${label}.${what}`), 'utf8');
}

function state(label: string): Record<string, unknown> {
  return JSON.parse(read(label, 'state')) as Record<string, unknown>;
}

function order(): string[] {
  return existsSync(join(out, 'order')) ? readFileSync(join(out, 'order'), 'utf8').split('\n').filter(Boolean) : [];
}

const nsOf = (pid: number | string, ns: string) => readlinkSync(`/proc/${pid}/ns/${ns}`);

function withHooks(hooks: Hooks, edit?: (s: Spec) => void): void {
  bundle.write((s) => {
    s.process!.args = ['sleep', '30'];
    s.annotations = { 'org.example.hooks': 'yes' };
    s.mounts!.push({ destination: '/hookout', type: 'bind', source: out, options: ['rbind', 'rw'] });
    s.hooks = hooks;
    edit?.(s);
  });
}


/**
 * Runs `create` with `hooks`, which must fail with `message`, leaving no state directory,
 * cgroup or process.
 */
function createFailsCleanly(t: ExecutionContext, hooks: Hooks, message: RegExp): void {
  const id = uniqueId('hk');
  const cgroupsPath = `/ocirun-hooks-${id}`;
  withHooks(hooks, (s) => (s.linux!.cgroupsPath = cgroupsPath));
  const r = rt.run(['create', '-b', bundle.dir, id]);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, message);
  t.false(existsSync(join(rt.root, id)), 'no state directory');
  t.deepEqual(cgroupDirsAt(cgroupsPath), [], 'no cgroup directory');
  t.deepEqual(initsUnder(rt.root), [], 'no init process');
}

test.serial('every kind runs at its point with the state on stdin, in the order of the lifecycle', (t) => {
  const kinds = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
  const hooks: Hooks = Object.fromEntries(kinds.map((k) => [k, [recorder(k, k === 'startContainer' ? '/hookout' : out)]]));
  withHooks(hooks);
  const id = uniqueId('hk');
  const created = rt.run(['create', '-b', bundle.dir, id]);
  t.is(created.code, 0, created.stderr);
  t.deepEqual(order(), ['prestart', 'createRuntime', 'createContainer']);
  const pid = Number(rt.state(id)['pid']);
  const common = { ociVersion: '1.3.0', id, bundle: bundle.dir, annotations: { 'org.example.hooks': 'yes' } };
  t.deepEqual(state('prestart'), { ...common, status: 'creating', pid });
  t.deepEqual(state('createRuntime'), { ...common, status: 'creating', pid });
  t.deepEqual(state('createContainer'), { ...common, status: 'creating', pid: 1 }, 'the pid as the container sees it');

  t.is(rt.run(['start', id]).code, 0);
  t.deepEqual(order(), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart']);
  t.deepEqual(state('startContainer'), { ...common, status: 'created', pid: 1 });
  t.deepEqual(state('poststart'), { ...common, status: 'running', pid });
  t.is(rt.state(id)['status'], 'running');

  t.is(rt.run(['kill', id, 'KILL']).code, 0);
  t.true(waitFor(() => rt.state(id)['status'] === 'stopped'));
  t.is(rt.run(['delete', id]).code, 0);
  t.deepEqual(order(), [...kinds]);
  t.deepEqual(state('poststop'), { ...common, status: 'stopped' }, 'no pid once stopped');
});

test.serial('createContainer and startContainer run in the container; prestart and createRuntime in the runtime, seeing the container', (t) => {
  const pidNet = 'pid=$(sed -n "s/.*\\"pid\\":\\([0-9]*\\).*/\\1/p" $d/$k.state); readlink /proc/$pid/ns/net > $d/$k.pidnet';
  withHooks({
    prestart: [recorder('prestart', out, pidNet)],
    createRuntime: [recorder('createRuntime', out, pidNet)],
    createContainer: [recorder('createContainer')],
    startContainer: [recorder('startContainer', '/hookout')],
  });
  const id = uniqueId('hk');
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  t.is(rt.run(['start', id]).code, 0);
  const pid = Number(rt.state(id)['pid']);
  for (const ns of ['mnt', 'uts', 'net', 'pid']) {
    t.is(read('createContainer', ns).trim(), nsOf(pid, ns), `createContainer: ${ns}`);
    t.is(read('startContainer', ns).trim(), nsOf(pid, ns), `startContainer: ${ns}`);
    for (const runtime of ['prestart', 'createRuntime']) t.is(read(runtime, ns).trim(), nsOf('self', ns), `${runtime}: ${ns}`);
  }
  t.not(nsOf(pid, 'net'), nsOf('self', 'net'));
  for (const runtime of ['prestart', 'createRuntime']) t.is(read(runtime, 'pidnet').trim(), nsOf(pid, 'net'), `${runtime} reads the container's /proc/PID/ns/net`);
  t.is(read('startContainer', 'hostname').trim(), 'ocirun', 'after the hostname was set');
  t.is(rt.run(['delete', '--force', id]).code, 0);
});

test.serial('args and env reach the hook exactly; without env it gets the runtime\'s, or in the container the process\'s', (t) => {
  const given = recorder('given');
  given.args = [...(given.args ?? []), 'second arg', ''];
  given.env = ['ONLY=this', 'AND=that one'];
  const inherits = { ...recorder('inherits'), env: undefined } as Hook;
  const inContainer = { ...recorder('inContainer', '/hookout'), env: undefined } as Hook;
  withHooks({ createRuntime: [given, inherits], startContainer: [inContainer] }, (s) => (s.process!.env = ['PATH=/bin', 'FROM_PROCESS=1']));
  const id = uniqueId('hk');
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  t.is(rt.run(['start', id]).code, 0);
  const nulList = (text: string) => text.split('\0').slice(0, -1);
  t.deepEqual(nulList(read('given', 'argv')), given.args, 'argv[0] is args[0]');
  t.deepEqual(nulList(read('given', 'environ')), ['ONLY=this', 'AND=that one']);
  t.true(nulList(read('inherits', 'environ')).some((e) => e.startsWith('PATH=') && e.includes('tools/node')), 'the CLI\'s own environment');
  t.deepEqual(nulList(read('inContainer', 'environ')), ['PATH=/bin', 'FROM_PROCESS=1']);
  t.is(rt.run(['delete', '--force', id]).code, 0);
});

test.serial('hooks of one kind run in their order', (t) => {
  const append = (n: number): Hook => ({ path: '/bin/sh', args: ['sh', '-c', `echo ${n} >> ${out}/order`] });
  withHooks({ createRuntime: [append(1), append(2), append(3)], poststop: [append(4), append(5)] });
  const id = uniqueId('hk');
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  t.is(rt.run(['delete', id]).code, 0);
  t.deepEqual(order(), ['1', '2', '3', '4', '5']);
});

test.serial('a failing prestart, createRuntime or createContainer hook fails create, named, and leaves nothing behind', (t) => {
  const poststop = recorder('poststop');
  for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
    const hooks = { [kind]: [{ path: '/bin/true' }, failing(3, `  ${kind} broke  `)], poststop: [poststop] };
    createFailsCleanly(t, hooks, new RegExp(`ocirun create failed: ${kind} hook #1 \\(/bin/sh\\) exited with status 3: ${kind} broke"`));
    t.is(state('poststop')['status'], 'stopped', 'poststop runs after a failed create, as in runc');
  }
});

test.serial('a hook that cannot be executed fails create with the errno', (t) => {
  createFailsCleanly(t, { createRuntime: [{ path: '/nonexistent/hook' }] }, /createRuntime hook #0 \(\/nonexistent\/hook\) could not be executed: ENOENT/);
});

test.serial('a hook past its timeout is killed and fails create', (t) => {
  const marker = `${process.pid}.4242`;
  const hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `sleep ${marker}`], timeout: 1 }] };
  const begun = Date.now();
  createFailsCleanly(t, hooks, /createContainer hook #0 \(\/bin\/sh\) did not finish within its timeout of 1s and was killed/);
  t.true(Date.now() - begun < 10_000);
  const sleeping = readdirSync('/proc').filter((p) => {
    try {
      return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });
  t.deepEqual(sleeping, [], 'the hook and its child are gone');
});

/** Creates a container with `hooks` and starts it, which must fail with `message`; its id. */
function startFails(t: ExecutionContext, hooks: Hooks, message: RegExp): string {
  withHooks(hooks);
  const id = uniqueId('hk');
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  const pid = Number(rt.state(id)['pid']);
  const r = rt.run(['start', id]);
  t.is(r.code, 1);
  t.regex(r.stderr, message);
  t.true(waitFor(() => !isRunning(pid)), 'the container was stopped');
  t.is(rt.state(id)['status'], 'stopped');
  return id;
}

test.serial('a failing startContainer hook fails start and stops the container', (t) => {
  const hooks = { startContainer: [failing(4, 'no ldconfig')], poststop: [recorder('poststop')] };
  const id = startFails(t, hooks, /start container: startContainer hook #0 \(\/bin\/sh\) exited with status 4: no ldconfig/);
  t.is(rt.run(['delete', id]).code, 0);
  t.is(state('poststop')['status'], 'stopped');
});

test.serial('a failing poststart hook fails start and stops the container', (t) => {
  const hooks = { poststart: [failing(5, 'notify failed'), recorder('later')] };
  const id = startFails(t, hooks, /start container: poststart hook #0 \(\/bin\/sh\) exited with status 5: notify failed/);
  t.deepEqual(order(), [], 'the later poststart hook did not run');
  t.is(rt.run(['delete', id]).code, 0);
});

test.serial('a failing poststop hook only warns; the other hooks run and delete succeeds', (t) => {
  withHooks({ poststop: [failing(6, 'cleanup failed'), recorder('poststop')] });
  const id = uniqueId('hk');
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  const r = rt.run(['delete', id]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /level=warning msg="poststop hook #0 \(\/bin\/sh\) exited with status 6: cleanup failed"/);
  t.false(existsSync(join(rt.root, id)));
  t.deepEqual(order(), ['poststop']);
});

test.serial('run goes through the same hooks, and their output never reaches the container\'s stdio', (t) => {
  const noisy = (kind: string, dir: string): Hook => ({ path: '/bin/sh', args: ['sh', '-c', `echo ${kind}-out; echo ${kind}-err >&2; echo ${kind} >> ${dir}/order`] });
  const hooks = { prestart: [noisy('prestart', out)], createContainer: [noisy('createContainer', out)], startContainer: [noisy('startContainer', '/hookout')] };
  withHooks(hooks, (s) => (s.process!.args = ['echo', 'the program']));
  const r = rt.run(['run', '-b', bundle.dir, uniqueId('hk')]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'the program\n');
  t.notRegex(r.stderr, /-(out|err)/);
  t.deepEqual(order(), ['prestart', 'createContainer', 'startContainer']);
});

test.serial('a bad hook is refused before anything exists, with the field named', (t) => {
  createFailsCleanly(t, { createRuntime: [{ path: 'relative/hook' }] }, /config\.json: hooks\.createRuntime\[0\]\.path: must be an absolute path/);
  createFailsCleanly(t, { poststart: [{ path: '/bin/true', timeout: 0 }] }, /config\.json: hooks\.poststart\[0\]\.timeout: must be >= 1/);
});

test.serial('the library throws a HookError with the step', async (t) => {
  withHooks({ createRuntime: [failing(7, 'from the library')] });
  const factory = new Factory({ root: rt.root });
  const err = await t.throwsAsync(factory.create(uniqueId('hk'), { bundle: bundle.dir, stdio: 'ignore' }), { instanceOf: HookError });
  t.is(err?.step, 'create_runtime_hook');
  t.is(err?.code, 'EHOOK');
  t.is(err?.message, 'createRuntime hook #0 (/bin/sh) exited with status 7: from the library');
  t.deepEqual(initsUnder(rt.root), []);
});

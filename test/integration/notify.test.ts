// NOTIFY_SOCKET passthrough, as runc does it: the container is told a socket of its own
// (/run/notify/notify.sock, a read-only bind of a directory in the state directory), and
// start (or run -d) waits for its READY= and passes it on to the caller's socket with
// MAINPID, the container's init, so that a Type=notify unit running ocirun watches it.
import test from 'ava';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv, uniqueId } from '../helpers/cli.ts';
import { useRuntimeAndBundle } from '../helpers/fixture.ts';
import { installSdNotify, NotifyReceiver } from '../helpers/notify.ts';
import { cliPath } from '../helpers/paths.ts';

const f = useRuntimeAndBundle();
test.before(() => installSdNotify(f.bundle.rootfs));

interface Timed {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds the call took. */
  ms: number;
}

/** Runs the CLI without blocking the event loop (the receiver must go on reading meanwhile);
 * stdio are files, since a detached container keeps them. */
async function call(args: string[], env: Record<string, string>): Promise<Timed> {
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-out-'));
  const out = openSync(join(dir, 'stdout'), 'w+');
  const err = openSync(join(dir, 'stderr'), 'w+');
  const began = Date.now();
  try {
    const child = spawn(cliPath, f.rt.args(args), { env: { ...testEnv, ...env }, stdio: ['ignore', out, err] });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    return { code, ms: Date.now() - began, stdout: readFileSync(join(dir, 'stdout'), 'utf8'), stderr: readFileSync(join(dir, 'stderr'), 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function receiver(t: { teardown(fn: () => void): void }, abstractName?: string): Promise<NotifyReceiver> {
  const r = new NotifyReceiver(abstractName);
  t.teardown(() => r.close());
  await r.ready;
  return r;
}

function initPid(id: string): number {
  return f.rt.state(id)['pid'] as number;
}

test.serial('start waits for READY=1 and passes it on with MAINPID, the container init', async (t) => {
  const host = await receiver(t);
  const id = uniqueId('notify');
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'sleep 1; sd-notify READY=1; exec sleep 100']));
  const created = await call(['create', '-b', f.bundle.dir, id], { NOTIFY_SOCKET: host.path });
  t.is(created.code, 0, created.stderr);
  t.deepEqual(host.received, [], 'nothing is said before start');
  const started = await call(['start', id], { NOTIFY_SOCKET: host.path });
  t.is(started.code, 0, started.stderr);
  t.true(started.ms >= 900, `start returned after ${started.ms} ms, before the container was ready`);
  const got = host.received.map((d) => d.message);
  t.deepEqual(got, ['READY=1\n', `MAINPID=${initPid(id)}\n`]);
  t.is(f.rt.state(id)['status'], 'running');
});

test.serial('the container is told its own socket, and the host socket is not in it', async (t) => {
  const host = await receiver(t);
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', `sd-notify READY=1; ls -ld /run/notify/notify.sock; test -e '${host.path}' && echo host socket visible; true`]));
  const r = await call(['run', '-b', f.bundle.dir, uniqueId('notify')], { NOTIFY_SOCKET: host.path });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^NOTIFY_SOCKET=\/run\/notify\/notify.sock\ns/);
  t.notRegex(r.stdout, /host socket visible/);
});

test.serial('the notify directory is read-only in the container', async (t) => {
  const host = await receiver(t);
  const id = uniqueId('notify');
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'touch /run/notify/x 2>/dev/null && echo writable; sd-notify READY=1 >/dev/null']));
  const r = await call(['run', '-d', '-b', f.bundle.dir, id], { NOTIFY_SOCKET: host.path });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '');
  t.is((await host.waitFor(1))[0]?.message, 'READY=1\n');
});

test.serial('run -d returns once the container is ready, and passes MAINPID', async (t) => {
  const host = await receiver(t);
  const id = uniqueId('notify');
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'sleep 1; sd-notify READY=1 >/dev/null; exec sleep 100']));
  const r = await call(['run', '-d', '-b', f.bundle.dir, id], { NOTIFY_SOCKET: host.path });
  t.is(r.code, 0, r.stderr);
  t.true(r.ms >= 900, `run -d returned after ${r.ms} ms`);
  t.deepEqual(host.received.map((d) => d.message), ['READY=1\n', `MAINPID=${initPid(id)}\n`]);
});

test.serial('run in the foreground passes READY=1 on without MAINPID (ocirun itself is the process to watch)', async (t) => {
  const host = await receiver(t);
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'sd-notify READY=1 >/dev/null; sleep 0.5; echo done']));
  const r = await call(['run', '-b', f.bundle.dir, uniqueId('notify')], { NOTIFY_SOCKET: host.path });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'done\n');
  t.deepEqual(host.received.map((d) => d.message), ['READY=1\n']);
});

test.serial('a container that exits without READY= ends start instead of hanging it', async (t) => {
  const host = await receiver(t);
  const id = uniqueId('notify');
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'sleep 0.3; exit 3']));
  t.is((await call(['create', '-b', f.bundle.dir, id], { NOTIFY_SOCKET: host.path })).code, 0);
  const started = await call(['start', id], { NOTIFY_SOCKET: host.path });
  t.is(started.code, 0, started.stderr);
  t.true(started.ms < 10_000);
  t.deepEqual(host.received, []);
  t.is(f.rt.state(id)['status'], 'stopped');
});

test.serial('an abstract host socket (@name) gets READY= too', async (t) => {
  const host = await receiver(t, `ocirun-test-${process.pid}`);
  const id = uniqueId('notify');
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'sd-notify READY=1 >/dev/null; exec sleep 100']));
  const r = await call(['run', '-d', '-b', f.bundle.dir, id], { NOTIFY_SOCKET: host.path });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(host.received.map((d) => d.message), ['READY=1\n', `MAINPID=${initPid(id)}\n`]);
});

test.serial('without NOTIFY_SOCKET the container gets no notify socket', (t) => {
  const id = uniqueId('notify');
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'echo "[$NOTIFY_SOCKET]"; ls /run/notify 2>&1 | head -c 0']));
  const r = f.rt.run(['run', '-b', f.bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '[]\n');
  t.false(existsSync(join(f.rt.root, id)));
});

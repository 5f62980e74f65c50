// Bad input gets a clear error naming what is wrong, exit status 1, and leaves nothing behind:
// no state directory, no process, no mount.
import test, { type ExecutionContext } from 'ava';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { type CliResult, Runtime, uniqueId } from '../helpers/cli.ts';
import { hostMounts, initsUnder } from '../helpers/procs.ts';
import type { Spec } from '../../ts/spec/types.ts';

let rt: Runtime;
let bundle: TestBundle;

test.before(() => {
  rt = new Runtime();
  bundle = makeBundle(['true']);
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
});

/** Runs `create` and checks it failed with `message` and left nothing behind. */
function failsCleanly(t: ExecutionContext, args: string[], message: RegExp, id = uniqueId()): CliResult {
  const mounts = hostMounts(bundle.dir, rt.root);
  // With --log, the log line goes to the file and stderr gets the bare message (runc's way).
  const r = rt.run(['--log', join(bundle.dir, 'log'), ...args, id]);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, message);
  t.false(existsSync(join(rt.root, id)), 'no state directory');
  t.deepEqual(initsUnder(rt.root), [], 'no init process');
  t.deepEqual(hostMounts(bundle.dir, rt.root), mounts, 'no mount on the host');
  return r;
}

function withSpec(edit: (s: Spec) => void): void {
  bundle.write(edit);
}

test.serial('a bundle without config.json', (t) => {
  rmSync(join(bundle.dir, 'config.json'));
  failsCleanly(t, ['create', '-b', bundle.dir], /config\.json: cannot be read from the bundle .*: does not exist/);
  bundle.write();
});

test.serial('malformed JSON', (t) => {
  writeFileSync(join(bundle.dir, 'config.json'), '{"ociVersion": "1.0.0",');
  failsCleanly(t, ['create', '-b', bundle.dir], /config\.json: is not valid JSON/);
  bundle.write();
});

test.serial('a field of the wrong type is named by its path', (t) => {
  withSpec((s) => ((s.process as unknown as Record<string, unknown>)['user'] = { uid: 'root', gid: 0 }));
  failsCleanly(t, ['create', '-b', bundle.dir], /ocirun create failed: config\.json: process\.user\.uid: must be integer \(got "root"\)/);
});

test.serial('a value out of range', (t) => {
  withSpec((s) => (s.process!.oomScoreAdj = 5000));
  failsCleanly(t, ['create', '-b', bundle.dir], /process\.oomScoreAdj: must be <= 1000/);
});

test.serial('a root filesystem that does not exist', (t) => {
  withSpec((s) => (s.root!.path = 'no-such-rootfs'));
  failsCleanly(t, ['create', '-b', bundle.dir], /config\.json: root\.path: .*no-such-rootfs does not exist/);
});

test.serial('an invalid container id', (t) => {
  bundle.write();
  failsCleanly(t, ['create', '-b', bundle.dir], /invalid container ID format/, '../escape');
  failsCleanly(t, ['create', '-b', bundle.dir], /invalid container ID format/, 'a/b');
});

test.serial('an id that exists already', (t) => {
  bundle.write((s) => (s.process!.args = ['sleep', '30']));
  const id = uniqueId();
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  const pid = rt.state(id)['pid'];
  const r = rt.run(['create', '-b', bundle.dir, id]);
  t.is(r.code, 1);
  t.regex(r.stderr, /container with given ID already exists/);
  t.is(rt.state(id)['pid'], pid, 'the existing container is untouched');
  rt.run(['delete', '--force', id]);
});

test.serial('a terminal without a console socket is refused by create, as runc refuses it', (t) => {
  withSpec((s) => (s.process!.terminal = true));
  failsCleanly(t, ['create', '-b', bundle.dir], /cannot allocate tty if ocirun will detach without setting console socket/);
  bundle.write();
});

test.serial('a console socket without a terminal is refused', (t) => {
  failsCleanly(t, ['create', '--console-socket', '/tmp/x.sock', '-b', bundle.dir], /cannot use console socket if ocirun will not detach or allocate tty/);
});

test.serial('a console socket nobody listens on fails create, naming it, and leaves nothing', (t) => {
  withSpec((s) => (s.process!.terminal = true));
  failsCleanly(t, ['create', '--console-socket', '/nonexistent/console.sock', '-b', bundle.dir], /--console-socket: send the terminal to "\/nonexistent\/console.sock".*ENOENT/);
  bundle.write();
});

test.serial('a mount the kernel refuses fails at its step, with the errno', (t) => {
  withSpec((s) => s.mounts!.push({ destination: '/weird', type: 'nosuchfs', source: 'none' }));
  failsCleanly(t, ['create', '-b', bundle.dir], /ocirun create failed: mount nosuchfs on \/weird: ENODEV/);
});

test.serial('a filesystem option the kernel rejects is explained', (t) => {
  withSpec((s) => s.mounts!.push({ destination: '/weird', type: 'tmpfs', source: 'tmpfs', options: ['bogusopt=1'] }));
  failsCleanly(t, ['create', '-b', bundle.dir], /mount tmpfs on \/weird: .*bogusopt.*: EINVAL/);
});

test.serial('a program that does not exist fails create, not the container later', (t) => {
  withSpec((s) => (s.process!.args = ['no-such-program']));
  failsCleanly(t, ['create', '-b', bundle.dir], /exec: "no-such-program": executable file not found in \$PATH/);
});

test.serial('a bind mount whose source is missing', (t) => {
  withSpec((s) => s.mounts!.push({ destination: '/data', source: '/no/such/dir', options: ['bind'] }));
  failsCleanly(t, ['create', '-b', bundle.dir], /mount source "\/no\/such\/dir" for \/data: ENOENT/);
});

test.serial('a mount over a procfs file is refused', (t) => {
  withSpec((s) => s.mounts!.push({ destination: '/proc/sys/kernel/core_pattern', source: '/etc/hostname', options: ['bind'] }));
  failsCleanly(t, ['create', '-b', bundle.dir], /mount destination \/proc\/sys\/kernel\/core_pattern is inside \/proc/);
});

test.serial('bad flags and arguments', (t) => {
  bundle.write();
  t.is(rt.run(['kill', 'x', 'SIGFOO']).code, 1);
  t.is(rt.run(['create']).code, 1);
  t.is(rt.run(['--log-format', 'xml', 'list']).code, 1);
  t.is(rt.run(['no-such-command']).code, 1);
});

// The descriptors a container's process gets beyond stdio, as runc passes them: systemd's
// socket activation (LISTEN_FDS) and --preserve-fds N, numbered from 3 in that order.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, uniqueId } from '../helpers/cli.ts';
import { useRuntimeAndBundle } from '../helpers/fixture.ts';
import { cliPath } from '../helpers/paths.ts';

const f = useRuntimeAndBundle();

/** Runs `ocirun run` from a shell that opens `files` as 3, 4, ... and sets `env` first (with
 * LISTEN_PID, when asked, the shell's own pid, which exec hands to ocirun). */
function runWith(files: string[], args: string[], env: Record<string, string> = {}, listenPid = false): { code: number | null; out: string; err: string } {
  const redirects = files.map((file, i) => `${3 + i}<'${file}'`).join(' ');
  const exports = Object.entries(env).map(([k, v]) => `export ${k}='${v}';`).join(' ');
  const command = [cliPath, ...f.rt.args(['run', ...args])].map((a) => `'${a}'`).join(' ');
  const script = `${exports} ${listenPid ? 'export LISTEN_PID=$$;' : ''} exec ${command} ${redirects}`;
  const r = spawnSync('sh', ['-c', script], { env: testEnv, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, text: string): string {
  const path = join(f.bundle.dir, name);
  writeFileSync(path, text);
  return path;
}

test.serial("--preserve-fds N passes the caller's descriptors 3 to 3+N-1, and no more", (t) => {
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'cat /proc/self/fd/3 /proc/self/fd/4; ls /proc/self/fd | tr "\\n" " "']));
  const r = runWith([file('a', 'first\n'), file('b', 'second\n')], ['--preserve-fds', '2', '-b', f.bundle.dir, uniqueId('fds')]);
  t.is(r.code, 0, r.err);
  // ls's own directory descriptor is the 5 it lists.
  t.is(r.out, 'first\nsecond\n0 1 2 3 4 5 ');
});

test.serial('without --preserve-fds the caller\'s extra descriptors stay out', (t) => {
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'ls /proc/self/fd | tr "\\n" " "']));
  const r = runWith([file('a', 'first\n')], ['-b', f.bundle.dir, uniqueId('fds')]);
  t.is(r.out, '0 1 2 3 ', r.err);
});

test.serial('socket activation: LISTEN_FDS descriptors come first, and the process sees LISTEN_FDS and LISTEN_PID=1', (t) => {
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'echo "$LISTEN_FDS $LISTEN_PID"; cat /proc/self/fd/3 /proc/self/fd/4']));
  const r = runWith([file('listen', 'socket\n'), file('extra', 'preserved\n')], ['--preserve-fds', '1', '-b', f.bundle.dir, uniqueId('fds')], { LISTEN_FDS: '1' }, true);
  t.is(r.code, 0, r.err);
  t.is(r.out, '1 1\nsocket\npreserved\n');
});

test.serial('LISTEN_FDS meant for another process is ignored, as systemd defines it', (t) => {
  f.bundle.write((s) => (s.process!.args = ['sh', '-c', 'echo "[$LISTEN_FDS]"; ls /proc/self/fd | tr "\\n" " "']));
  const r = runWith([file('listen', 'socket\n')], ['-b', f.bundle.dir, uniqueId('fds')], { LISTEN_FDS: '1', LISTEN_PID: '1' });
  t.is(r.code, 0, r.err);
  t.is(r.out, '[]\n0 1 2 3 ');
});

test.serial('--preserve-fds naming descriptors the caller did not pass is refused, leaving nothing', (t) => {
  const id = uniqueId('fds');
  const r = runWith([], ['--preserve-fds', '1', '-b', f.bundle.dir, id]);
  t.is(r.code, 1);
  t.regex(r.err, /--preserve-fds 1: descriptor 3 was not passed to ocirun/);
  t.is(f.rt.run(['state', id]).code, 1);
});

test.serial('create passes the descriptors on to the process that start runs', (t) => {
  f.bundle.write((s) => (s.process!.args = ['cat', '/proc/self/fd/3']));
  const id = uniqueId('fds');
  // Before create, so that a create that fails or hangs leaves nothing either.
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  const out = join(f.bundle.dir, 'out');
  const fd = openSync(file('kept', 'kept across start\n'), 'r');
  const outFd = openSync(out, 'w');
  // A file, not a pipe, for stderr: the created container holds its stdio open until it runs,
  // so spawnSync would wait on a pipe for as long as the container lives.
  const errPath = join(f.bundle.dir, 'create.err');
  const errFd = openSync(errPath, 'w');
  try {
    const r = spawnSync(cliPath, f.rt.args(['create', '--preserve-fds', '1', '-b', f.bundle.dir, id]), { env: testEnv, stdio: ['ignore', outFd, errFd, fd] });
    t.is(r.status, 0, readFileSync(errPath, 'utf8'));
  } finally {
    closeSync(fd);
    closeSync(outFd);
    closeSync(errFd);
  }
  t.is(f.rt.run(['start', id]).code, 0);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && readFileSync(out, 'utf8') === '') spawnSync('sleep', ['0.05']);
  t.is(readFileSync(out, 'utf8'), 'kept across start\n');
});

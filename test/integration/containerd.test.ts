// containerd with ocirun as the runc binary of its runc shim (containerd-shim-runc-v2 from
// Debian), through ctr, against a private containerd (its own root, state, socket and
// namespace), with the busybox image imported as an OCI archive.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Containerd, IMAGE, missingTools, Podman } from '../helpers/managers.ts';

const skip = missingTools('containerd', 'ctr', 'containerd-shim-runc-v2', 'podman');
if (skip) console.log(`containerd tests skipped: ${skip}`);
const ctest = skip ? test.serial.skip : test.serial;

let containerd: Containerd;

test.before(async () => {
  if (skip) return;
  // podman makes the image archive: the test image is imported into podman from a tarball.
  const podman = new Podman();
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-image-'));
  try {
    podman.saveImage(join(dir, 'image.tar'));
    containerd = await Containerd.start(join(dir, 'image.tar'));
  } finally {
    podman.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.after.always(async () => {
  await containerd?.destroy();
});

function taskStatus(id: string): string {
  const line = containerd.ctr(['tasks', 'ls']).stdout.split('\n').find((l) => l.startsWith(`${id} `));
  return line?.trim().split(/\s+/)[2] ?? '';
}

async function until(what: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (what()) return true;
  return what();
}

/** A detached task that sleeps, running, removed when the test ends. */
async function sleepingTask(t: ExecutionContext, id: string): Promise<string> {
  t.teardown(() => {
    containerd.ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]);
    containerd.ctr(['tasks', 'delete', '--force', id]);
    containerd.ctr(['containers', 'delete', id]);
  });
  t.is(containerd.run(['-d', IMAGE, id, 'sleep', '300']).code, 0);
  t.true(await until(() => taskStatus(id) === 'RUNNING'));
  return id;
}

ctest('ctr run prints the output; the shim calls ocirun as it calls runc, with JSON logs', (t) => {
  const r = containerd.run(['--rm', IMAGE, 'hello', 'echo', 'hello from containerd']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'hello from containerd\n');
  const calls = containerd.runtime.calls();
  const create = calls.find((c) => c.includes('create'));
  t.truthy(create, JSON.stringify(calls));
  t.deepEqual(create!.slice(0, 6).filter((a) => a.startsWith('--')), ['--root', '--log', '--log-format']);
  t.true(create!.includes('json') && create!.includes('--bundle') && create!.includes('--pid-file'));
  t.true(calls.some((c) => c.includes('start')) && calls.some((c) => c.includes('delete')));
});

ctest('the exit code reaches ctr', (t) => {
  const r = containerd.run(['--rm', IMAGE, 'exits', 'sh', '-c', 'exit 3']);
  t.is(r.code, 3, r.stderr);
});

ctest('a detached task runs, is listed, shows its processes, pauses, and dies by task kill', async (t) => {
  const id = 'detached';
  t.is(containerd.run(['-d', IMAGE, id, 'sleep', '300']).code, 0);
  t.true(await until(() => taskStatus(id) === 'RUNNING'));
  const ps = containerd.ctr(['tasks', 'ps', id]);
  t.is(ps.code, 0, ps.stderr);
  t.regex(ps.stdout, /^\d+\s/m);
  t.is(containerd.ctr(['tasks', 'pause', id]).code, 0);
  t.true(await until(() => taskStatus(id) === 'PAUSED'));
  t.is(containerd.ctr(['tasks', 'resume', id]).code, 0);
  t.true(await until(() => taskStatus(id) === 'RUNNING'));
  t.is(containerd.ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]).code, 0);
  t.true(await until(() => taskStatus(id) === 'STOPPED'));
  t.is(containerd.ctr(['tasks', 'delete', id]).code, 0);
  t.is(containerd.ctr(['containers', 'delete', id]).code, 0);
  const calls = containerd.runtime.calls().map((c) => c.join(' '));
  t.true(calls.some((c) => /\bps --format json detached$/.test(c)), 'ps as the shim calls it');
  t.true(calls.some((c) => /\bkill detached 9$/.test(c)));
});

ctest('a memory limit reaches the container\'s cgroup', async (t) => {
  const id = 'limited';
  const r = containerd.run(['-d', '--memory-limit', String(64 * 1024 * 1024), IMAGE, id, 'sleep', '300']);
  t.is(r.code, 0, r.stderr);
  t.true(await until(() => taskStatus(id) === 'RUNNING'));
  // ctr's spec mounts no cgroup filesystem in the container: the limit is read from the host.
  const pid = containerd.ctr(['tasks', 'ls']).stdout.split('\n').find((l) => l.startsWith(`${id} `))?.trim().split(/\s+/)[1];
  const memory = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /:memory:/.test(l))?.split(':')[2];
  t.is(readFileSync(join('/sys/fs/cgroup/memory', memory ?? '/nonexistent', 'memory.limit_in_bytes'), 'utf8'), `${64 * 1024 * 1024}\n`);
  containerd.ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]);
  await until(() => taskStatus(id) === 'STOPPED');
  containerd.ctr(['tasks', 'delete', id]);
  containerd.ctr(['containers', 'delete', id]);
});

ctest('two tasks share their namespace\'s parent cgroup: deleting one leaves the other running', async (t) => {
  t.is(containerd.run(['-d', IMAGE, 'first', 'sleep', '300']).code, 0);
  t.is(containerd.run(['-d', IMAGE, 'second', 'sleep', '300']).code, 0);
  t.true(await until(() => taskStatus('first') === 'RUNNING' && taskStatus('second') === 'RUNNING'));
  containerd.ctr(['tasks', 'kill', '--signal', 'SIGKILL', 'first']);
  t.true(await until(() => taskStatus('first') === 'STOPPED'));
  const deleted = containerd.ctr(['tasks', 'delete', 'first']);
  t.is(deleted.code, 0, deleted.stderr);
  t.is(taskStatus('second'), 'RUNNING');
  containerd.ctr(['tasks', 'kill', '--signal', 'SIGKILL', 'second']);
  t.true(await until(() => taskStatus('second') === 'STOPPED'));
  t.is(containerd.ctr(['tasks', 'delete', 'second']).code, 0);
  containerd.ctr(['containers', 'delete', 'first', 'second']);
});

ctest('task exec runs in the task, its exit code is ctr\'s, through the shim\'s exec call', async (t) => {
  const id = await sleepingTask(t, 'execs');
  const r = containerd.ctr(['tasks', 'exec', '--exec-id', 'plain', '--cwd', '/tmp', id, 'sh', '-c', 'echo "in $(pwd)"; exit 4']);
  t.is(r.code, 4, r.stderr);
  t.is(r.stdout, 'in /tmp\n');
  const exec = containerd.runtime.calls().find((c) => c.includes('exec'));
  for (const flag of ['--log-format', '--process', '--detach', '--pid-file']) t.true(exec!.includes(flag), `${flag} in ${exec!.join(' ')}`);
});

ctest('task exec -t gives the process a terminal through the shim\'s console socket', async (t) => {
  const id = await sleepingTask(t, 'execs-tty');
  const r = containerd.ctrUnderPty(['tasks', 'exec', '-t', '--exec-id', 'tty', id, 'sh', '-c', 'tty; test -t 0 && echo stdin is a terminal; exit 6']);
  t.is(r.code, 6, r.stderr);
  t.regex(r.stdout, /^\/dev\/pts\/\d+\r\r?\nstdin is a terminal\r/);
  const exec = containerd.runtime.calls().filter((c) => c.includes('exec')).at(-1);
  t.true(exec!.includes('--console-socket'), exec!.join(' '));
});

ctest('ctr run -t at a terminal: the task has the terminal and its exit code is ctr\'s', (t) => {
  const r = containerd.ctrUnderPty(['run', '--runc-binary', containerd.runtime.path, '--rm', '-t', IMAGE, 'tty', 'sh', '-c', 'tty; exit 7']);
  t.is(r.code, 7, r.stderr);
  t.regex(r.stdout, /\/dev\/pts\/\d+\r\r?\n$/);
  const create = containerd.runtime.calls().filter((c) => c.includes('create')).at(-1);
  t.true(create!.includes('--console-socket'), create!.join(' '));
});

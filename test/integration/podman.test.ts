// podman with ocirun as its runtime (podman and conmon from Debian, a private storage and
// configuration, a busybox image imported from a tarball, no network): what podman users do.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGE, missingTools, Podman } from '../helpers/managers.ts';

const skip = missingTools('podman', 'conmon');
if (skip) console.log(`podman tests skipped: ${skip}`);
const ptest = skip ? test.serial.skip : test.serial;

let podman: Podman;

test.before(() => {
  if (!skip) podman = new Podman();
});

test.after.always(() => {
  podman?.destroy();
});

function inspect(id: string, format: string): string {
  return podman.run(['inspect', '--format', format, id]).stdout.trim();
}

async function until(what: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (what()) return true;
  return what();
}

ptest('podman run --rm prints the output, through create, start and delete with JSON logs', (t) => {
  const r = podman.run(['run', '--rm', IMAGE, 'echo', 'hello from podman']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'hello from podman\n');
  const calls = podman.runtime.calls();
  const create = calls.find((c) => c.includes('create'));
  t.truthy(create, JSON.stringify(calls));
  t.true(create!.includes('--log-format=json') && create!.includes('--bundle') && create!.includes('--pid-file'));
  t.true(calls.some((c) => c.includes('start')) && calls.some((c) => c.includes('delete')));
});

ptest('exit codes reach podman', (t) => {
  t.is(podman.run(['run', '--rm', IMAGE, 'true']).code, 0);
  t.is(podman.run(['run', '--rm', IMAGE, 'sh', '-c', 'exit 3']).code, 3);
});

ptest('a runtime error reaches podman with ocirun\'s message', (t) => {
  const r = podman.run(['run', '--rm', IMAGE, '/no/such/program']);
  t.not(r.code, 0);
  t.regex(r.stderr, /no\/such\/program/);
});

ptest('run -d, ps, stop and rm', async (t) => {
  const id = podman.run(['run', '-d', IMAGE, 'sleep', '300']).stdout.trim();
  t.regex(id, /^[0-9a-f]{64}$/);
  t.true(podman.run(['ps', '-q', '--no-trunc']).stdout.includes(id));
  const stop = podman.run(['stop', '--time', '1', id]);
  t.is(stop.code, 0, stop.stderr);
  t.true(await until(() => inspect(id, '{{.State.Status}}') === 'exited'));
  t.is(podman.run(['rm', id]).code, 0);
  t.false(podman.run(['ps', '-a', '-q', '--no-trunc']).stdout.includes(id));
});

ptest('logs shows what the container wrote', async (t) => {
  const id = podman.run(['run', '-d', IMAGE, 'sh', '-c', 'echo one; echo two >&2']).stdout.trim();
  t.true(await until(() => inspect(id, '{{.State.Status}}') === 'exited'));
  const logs = podman.run(['logs', id]);
  t.is(logs.stdout + logs.stderr, 'one\ntwo\n');
  podman.run(['rm', id]);
});

ptest('--memory and --pids-limit set the cgroup limits the container sees', (t) => {
  const r = podman.run(['run', '--rm', '--memory', '64m', '--pids-limit', '20', IMAGE, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${64 * 1024 * 1024}\n20\n`);
});

ptest('--user, --read-only and --cap-drop', (t) => {
  t.is(podman.run(['run', '--rm', '--user', '1000:1000', IMAGE, 'id', '-u']).stdout, '1000\n');
  const ro = podman.run(['run', '--rm', '--read-only', IMAGE, 'touch', '/file']);
  t.not(ro.code, 0);
  t.regex(ro.stderr + ro.stdout, /Read-only file system/);
  const caps = podman.run(['run', '--rm', '--cap-drop', 'all', IMAGE, 'grep', 'CapEff', '/proc/self/status']);
  t.is(caps.stdout, 'CapEff:\t0000000000000000\n');
});

ptest('pause and unpause, kill, top', async (t) => {
  const id = podman.run(['run', '-d', IMAGE, 'sleep', '300']).stdout.trim();
  t.is(podman.run(['pause', id]).code, 0);
  t.is(inspect(id, '{{.State.Status}}'), 'paused');
  t.is(podman.run(['unpause', id]).code, 0);
  t.is(inspect(id, '{{.State.Status}}'), 'running');
  const top = podman.run(['top', id]);
  t.is(top.code, 0, top.stderr);
  t.regex(top.stdout, /sleep 300/);
  t.is(podman.run(['kill', '--signal', 'KILL', id]).code, 0);
  t.true(await until(() => inspect(id, '{{.State.Status}}') === 'exited'));
  t.is(inspect(id, '{{.State.ExitCode}}'), '137');
  podman.run(['rm', id]);
});

ptest('a stopped container starts again', async (t) => {
  const id = podman.run(['run', '-d', IMAGE, 'sh', '-c', 'echo ran']).stdout.trim();
  t.true(await until(() => inspect(id, '{{.State.Status}}') === 'exited'));
  const again = podman.run(['start', '--attach', id]);
  t.is(again.code, 0, again.stderr);
  t.is(podman.run(['logs', id]).stdout, 'ran\nran\n');
  const restart = podman.run(['restart', id]);
  t.is(restart.code, 0, restart.stderr);
  podman.run(['rm', '--force', id]);
});

ptest('exec runs in the running container and its exit status is exec\'s, through conmon\'s exec call', (t) => {
  const id = podman.run(['run', '-d', IMAGE, 'sleep', '300']).stdout.trim();
  t.teardown(() => podman.run(['rm', '--force', '--time', '0', id]));
  const r = podman.run(['exec', '--env', 'WHO=podman', '--workdir', '/tmp', id, 'sh', '-c', 'echo "$WHO in $(pwd)"; exit 4']);
  t.is(r.code, 4, r.stderr);
  t.is(r.stdout, 'podman in /tmp\n');
  const exec = podman.runtime.calls().find((c) => c.includes('exec'));
  t.truthy(exec);
  for (const flag of ['--log-format=json', '--pid-file', '--process', '--detach']) t.true(exec!.includes(flag), `${flag} in ${exec!.join(' ')}`);
});

ptest('exec -t gives the process a terminal through the console socket', (t) => {
  const id = podman.run(['run', '-d', IMAGE, 'sleep', '300']).stdout.trim();
  t.teardown(() => podman.run(['rm', '--force', '--time', '0', id]));
  const r = podman.runUnderPty(['exec', '-t', id, 'sh', '-c', 'tty; test -t 0 && echo stdin is a terminal; exit 6']);
  t.is(r.code, 6, r.stderr);
  t.regex(r.stdout, /^\/dev\/pts\/\d+\r\nstdin is a terminal\r\n$/);
  const exec = podman.runtime.calls().filter((c) => c.includes('exec')).at(-1);
  t.true(exec!.includes('--tty') && exec!.includes('--console-socket'), exec!.join(' '));
});

ptest('run -t at a terminal: the container has the terminal and its exit code is podman\'s', (t) => {
  const r = podman.runUnderPty(['run', '--rm', '-t', IMAGE, 'sh', '-c', 'tty; exit 5']);
  t.is(r.code, 5, r.stderr);
  t.regex(r.stdout, /\/dev\/pts\/\d+\r\n$/);
  const create = podman.runtime.calls().filter((c) => c.includes('create')).at(-1);
  t.true(create!.includes('--console-socket'), create!.join(' '));
});

ptest('logs of a detached container with a terminal show what it wrote to the terminal', async (t) => {
  const id = podman.run(['run', '-d', '-t', IMAGE, 'sh', '-c', 'echo on the terminal; tty']).stdout.trim();
  t.teardown(() => podman.run(['rm', '--force', id]));
  t.true(await until(() => inspect(id, '{{.State.Status}}') === 'exited'));
  const logs = podman.run(['logs', id]);
  t.is(logs.code, 0, logs.stderr);
  t.regex(logs.stdout, /^on the terminal\r\n\/dev\/pts\/\d+\r\n$/);
});

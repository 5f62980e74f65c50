// The library's API beyond create/start/wait: events, stdio pipes, run, the spec builder, and
// waits that hold no libuv pool thread.
import test from 'ava';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Factory, spec, type ContainerEvent } from '../../ts/index.ts';
import { uniqueId } from '../helpers/cli.ts';
import { useRuntimeAndBundle } from '../helpers/fixture.ts';

const fx = useRuntimeAndBundle();
let factory: Factory;
test.before(() => {
  factory = new Factory({ root: fx.rt.root });
});

async function readAll(stream: Readable | null): Promise<string> {
  if (!stream) throw new Error('no stream');
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/** A config from the builder with `args`, rooted in the test bundle's rootfs. */
function config(...args: string[]) {
  return spec.default().rootfs(fx.bundle.rootfs).args(...args);
}

test.serial('stdio "pipe" gives the container\'s stdin, stdout and stderr as streams', async (t) => {
  const c = await factory.create(uniqueId(), {
    bundle: fx.bundle.dir,
    config: config('sh', '-c', 'read line; echo "out:$line"; echo "err:$line" >&2').build(),
    stdio: 'pipe',
  });
  const out = readAll(c.stdout);
  const err = readAll(c.stderr);
  await c.start();
  c.stdin!.end('hello\n');
  t.deepEqual(await c.wait(), { status: 0 });
  t.is(await out, 'out:hello\n');
  t.is(await err, 'err:hello\n');
  await c.delete();
});

test.serial('stdio "ignore" gives the container /dev/null', async (t) => {
  const c = await factory.create(uniqueId(), {
    bundle: fx.bundle.dir,
    config: config('sh', '-c', 'readlink /proc/self/fd/0; readlink /proc/self/fd/2').build(),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const out = readAll(c.stdout);
  await c.start();
  await c.wait();
  t.is(await out, '/dev/null\n/dev/null\n');
  await c.delete();
});

test.serial('factory.run creates, starts, waits and deletes, and returns the exit status', async (t) => {
  const id = uniqueId();
  const status = await factory.run(id, { bundle: fx.bundle.dir, config: config('sh', '-c', 'exit 7').build(), stdio: 'ignore' });
  t.deepEqual(status, { status: 7 });
  t.false(fx.rt.run(['list', '-q']).stdout.split('\n').includes(id), 'nothing is left');
});

test.serial('events yields stats, then the exit, and ends', async (t) => {
  const c = await factory.create(uniqueId(), { bundle: fx.bundle.dir, config: config('sleep', '1').build(), stdio: 'ignore' });
  await c.start();
  const seen: ContainerEvent[] = [];
  for await (const e of c.events({ interval: 200 })) seen.push(e);
  const stats = seen.filter((e) => e.type === 'stats');
  t.true(stats.length >= 2, `stats every 200 ms for a second (got ${stats.length})`);
  const first = stats[0];
  t.true(first?.type === 'stats' && first.id === c.id && 'pids' in first.data && 'memory' in first.data, 'runc\'s stats shape');
  t.deepEqual(seen.at(-1), { type: 'exit', id: c.id, status: 0 });
  t.deepEqual(await c.wait(), { status: 0 }, 'the events stream left the init for wait() to reap');
  await c.delete();
});

test.serial('events reports an OOM kill', async (t) => {
  const c = await factory.create(uniqueId(), {
    bundle: fx.bundle.dir,
    config: config('sh', '-c', 'sleep 0.3; tail /dev/zero; sleep 60').memory(16 * 1024 * 1024, 16 * 1024 * 1024).build(),
    stdio: 'ignore',
  });
  await c.start();
  let oom = false;
  for await (const e of c.events({ stats: false })) {
    if (e.type === 'oom') {
      oom = true;
      break;
    }
  }
  t.true(oom);
  await c.delete({ force: true });
});

test.serial('leaving an events loop early releases its watches', async (t) => {
  const c = await factory.create(uniqueId(), { bundle: fx.bundle.dir, config: config('sleep', '30').build(), stdio: 'ignore' });
  await c.start();
  const fds = readdirSync('/proc/self/fd').length;
  for await (const e of c.events({ interval: 50 })) if (e.type === 'stats') break;
  t.true(readdirSync('/proc/self/fd').length <= fds, 'the pidfd and OOM watch are closed');
  await c.delete({ force: true });
});

test.serial('many waits at once leave the libuv pool free for other work', async (t) => {
  const cs = await Promise.all(
    Array.from({ length: 6 }, () => factory.create(uniqueId(), { bundle: fx.bundle.dir, config: config('sleep', '2').build(), stdio: 'ignore' })),
  );
  await Promise.all(cs.map((c) => c.start()));
  const waits = cs.map((c) => c.wait());
  // With the pool's 4 threads each blocked in a wait, this read would hang until they end.
  const started = Date.now();
  await readFile('/proc/self/status');
  t.true(Date.now() - started < 1000, 'a file read completes while six containers are waited for');
  t.true((await Promise.all(waits)).every((s) => s.status === 0));
  await Promise.all(cs.map((c) => c.delete()));
});

test.serial('the spec builder writes what each step says', (t) => {
  const s = spec
    .default()
    .args('echo', 'hi')
    .env({ FOO: 'bar', TERM: 'dumb' })
    .cwd('/tmp')
    .user(1000, 1000, [10])
    .rootfs('/srv/rootfs', { readonly: false })
    .hostname('box')
    .annotation('k', 'v')
    .bind('/data', '/mnt/data')
    .tmpfs('/scratch', { size: 1 << 20 })
    .memory(64 << 20)
    .pids(32)
    .namespace('network', '/proc/1/ns/net')
    .withoutNamespace('uts')
    .build();
  t.deepEqual(s.process?.args, ['echo', 'hi']);
  t.true(s.process?.env?.includes('FOO=bar') && s.process.env.includes('TERM=dumb') && !s.process.env.includes('TERM=xterm'));
  t.like(s.process, { cwd: '/tmp', user: { uid: 1000, gid: 1000, additionalGids: [10] }, terminal: false });
  t.deepEqual(s.root, { path: '/srv/rootfs', readonly: false });
  t.like(s, { hostname: 'box', annotations: { k: 'v' } });
  t.deepEqual(s.mounts?.at(-2), { destination: '/mnt/data', type: 'bind', source: '/data', options: ['rbind', 'ro'] });
  t.deepEqual(s.mounts?.at(-1), { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1048576'] });
  t.like(s.linux?.resources, { memory: { limit: 64 << 20 }, pids: { limit: 32 } });
  t.deepEqual(s.linux?.namespaces?.find((n) => n.type === 'network'), { type: 'network', path: '/proc/1/ns/net' });
  t.false(!!s.linux?.namespaces?.some((n) => n.type === 'uts'));
});

test.serial('a built config runs as it says', async (t) => {
  const c = await factory.create(uniqueId(), {
    bundle: fx.bundle.dir,
    config: config('sh', '-c', 'echo $FOO; hostname; cat /sys/fs/cgroup/pids/pids.max').env({ FOO: 'bar' }).hostname('built').pids(21).build(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const out = readAll(c.stdout);
  await c.start();
  await c.wait();
  t.is(await out, 'bar\nbuilt\n21\n');
  await c.delete();
});

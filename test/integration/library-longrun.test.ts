// A long-lived embedder: 500 containers created, started, waited for and deleted in this one
// process leave no descriptors, zombies, threads or memory behind.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { Factory, spec } from '../../ts/index.ts';
import { uniqueId } from '../helpers/cli.ts';
import { useRuntimeAndBundle } from '../helpers/fixture.ts';

const fx = useRuntimeAndBundle();

interface Footprint {
  fds: number;
  threads: number;
  zombies: number;
  rssMiB: number;
}

function footprint(): Footprint {
  const status = readFileSync('/proc/self/status', 'utf8');
  const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]);
  let zombies = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' && Number(ppid) === process.pid) zombies++;
    } catch {
      // Gone meanwhile.
    }
  }
  return { fds: readdirSync('/proc/self/fd').length, threads, zombies, rssMiB: process.memoryUsage().rss / 2 ** 20 };
}

async function runMany(factory: Factory, count: number, inFlight: number): Promise<number[]> {
  const config = spec.default().rootfs(fx.bundle.rootfs).args('true').build();
  const statuses: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const c = await factory.create(uniqueId('lr'), { bundle: fx.bundle.dir, config, stdio: 'ignore' });
      await c.start();
      statuses.push((await c.wait()).status);
      await c.delete();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return statuses;
}

test('500 containers in one process leave no descriptors, zombies, threads or memory behind', async (t) => {
  t.timeout(300_000);
  const factory = new Factory({ root: fx.rt.root });
  // The first containers load the addon, start the watcher thread and the libuv pool, and
  // warm V8 up: the footprint is taken after them.
  await runMany(factory, 20, 4);
  const before = footprint();
  const statuses = await runMany(factory, 500, 4);
  const after = footprint();
  t.log(`before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
  t.is(statuses.length, 500);
  t.true(statuses.every((s) => s === 0));
  t.is(after.fds, before.fds, 'no descriptor is left open');
  t.is(after.zombies, 0, 'every init was reaped');
  t.is(after.threads, before.threads, 'no thread is left behind');
  t.true(after.rssMiB - before.rssMiB < 40, `RSS grew by ${(after.rssMiB - before.rssMiB).toFixed(1)} MiB`);
  t.deepEqual(readdirSync(fx.rt.root), [], 'no state is left behind');
});

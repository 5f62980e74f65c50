// The library's zygote: a long-lived process forks each container's init from one small idle
// copy of the init executable instead of spawning it afresh. It must change nothing a
// container sees: the init is still this process's child, has exactly the descriptors it is
// given, and the zygote itself goes when this process goes.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Factory, spec } from '../../ts/index.ts';
import { uniqueId } from '../helpers/cli.ts';
import { useRuntimeAndBundle } from '../helpers/fixture.ts';
import { nodeBinDir, projectRoot } from '../helpers/paths.ts';
import { waitFor } from '../helpers/procs.ts';

const fx = useRuntimeAndBundle();

/** Processes whose parent is `parent` and whose command line is the zygote's. */
function zygotes(parent = process.pid): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === parent && readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'ocirun-init\0zygote\x003\0';
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function output(factory: Factory, args: string[], preserveFds?: number[]): Promise<string> {
  const c = await factory.create(uniqueId('zyg'), {
    bundle: fx.bundle.dir,
    config: spec.default().rootfs(fx.bundle.rootfs).args(...args).build(),
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(preserveFds ? { preserveFds } : {}),
  });
  let text = '';
  const done = (async () => {
    for await (const chunk of c.stdout as Readable) text += String(chunk);
  })();
  await c.start();
  await c.wait();
  await done;
  await c.delete();
  return text;
}

test.serial('containers made by the library are forked from one zygote, a child of this process', async (t) => {
  const factory = new Factory({ root: fx.rt.root });
  t.is(await output(factory, ['echo', 'one']), 'one\n');
  t.is(await output(factory, ['echo', 'two']), 'two\n');
  // Stage 0s share the zygote's command line but exit as soon as they have cloned.
  t.true(waitFor(() => zygotes().length === 1), `zygotes: ${zygotes().join(' ')}`);
});

test.serial("a container forked from the zygote has only its stdio, none of the zygote's or this process's", async (t) => {
  const factory = new Factory({ root: fx.rt.root });
  // ls's own directory descriptor is the 3 it lists.
  t.is(await output(factory, ['ls', '/proc/self/fd']), '0\n1\n2\n3\n');
});

test.serial('preserved descriptors reach the container through the zygote', async (t) => {
  const factory = new Factory({ root: fx.rt.root });
  const file = join(fx.bundle.dir, 'preserved');
  writeFileSync(file, 'kept\n');
  const fd = openSync(file, 'r');
  try {
    t.is(await output(factory, ['cat', '/proc/self/fd/3'], [fd]), 'kept\n');
  } finally {
    closeSync(fd);
  }
});

test.serial('a zygote that died is replaced at the next create', async (t) => {
  const factory = new Factory({ root: fx.rt.root });
  await output(factory, ['true']);
  t.true(waitFor(() => zygotes().length === 1));
  const [old] = zygotes();
  process.kill(old!, 'SIGKILL');
  t.is(await output(factory, ['echo', 'after']), 'after\n');
  t.true(waitFor(() => zygotes().length === 1 && zygotes()[0] !== old));
});

test.serial('the zygote goes when the process that made it exits', (t) => {
  const script = `
    import { readdirSync, readFileSync } from 'node:fs';
    import { Factory, spec } from ${JSON.stringify(join(projectRoot, 'ts/index.ts'))};
    const f = new Factory({ root: ${JSON.stringify(fx.rt.root)} });
    const c = await f.create('zyg-exit-${process.pid}', { bundle: ${JSON.stringify(fx.bundle.dir)}, config: spec.default().rootfs(${JSON.stringify(fx.bundle.rootfs)}).args('true').build(), stdio: 'ignore' });
    await c.start(); await c.wait(); await c.delete();
    const mine = readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).filter((p) => {
      try { return readFileSync('/proc/' + p + '/cmdline', 'utf8').startsWith('ocirun-init\\0zygote') && readFileSync('/proc/' + p + '/stat', 'utf8').split(') ')[1].split(' ')[1] === String(process.pid); } catch { return false; }
    });
    console.log(mine.join(' '));
  `;
  const r = spawnSync(join(nodeBinDir, 'node'), ['--input-type=module', '-e', script], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const zygote = Number(r.stdout.trim());
  t.true(zygote > 0, r.stdout);
  // Its socket closed with the process that held the other end.
  t.true(waitFor(() => !isZygote(zygote)));
});

function isZygote(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('ocirun-init\0zygote');
  } catch {
    return false;
  }
}

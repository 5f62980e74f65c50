// ocirun as a library: the Factory/Container API in this process, sharing state with the CLI.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { Factory } from '../../ts/index.ts';
import { InitError, InvalidStateError } from '../../ts/errors.ts';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { Runtime, uniqueId } from '../helpers/cli.ts';
import { waitFor } from '../helpers/procs.ts';

let rt: Runtime;
let bundle: TestBundle;
let factory: Factory;

test.before(() => {
  rt = new Runtime();
  bundle = makeBundle();
  factory = new Factory({ root: rt.root });
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
});

function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

test.serial('create, start, wait and delete in one process', async (t) => {
  bundle.write((s) => (s.process!.args = ['sh', '-c', 'exit 3']));
  const c = await factory.create(uniqueId(), { bundle: bundle.dir });
  t.is((await c.state()).status, 'created');
  await c.start();
  t.deepEqual(await c.wait(), { status: 3 });
  t.is((await c.state()).status, 'stopped');
  await c.delete();
  await t.throwsAsync(c.state());
});

test.serial('a zombie init reads as stopped until it is reaped', async (t) => {
  bundle.write((s) => (s.process!.args = ['sleep', '30']));
  const c = await factory.create(uniqueId(), { bundle: bundle.dir });
  await c.start();
  const pid = c.pid!;
  process.kill(pid, 'SIGKILL');
  t.true(waitFor(() => procState(pid) === 'Z'), 'this process is the parent, so the init stays a zombie');
  t.is((await c.state()).status, 'stopped');
  t.is((await c.state()).pid, 0);
  t.deepEqual(await c.wait(), { status: 137, signal: 9 });
  await c.delete();
});

test.serial('a container made by the library is listed, killed and deleted by the CLI', async (t) => {
  bundle.write((s) => (s.process!.args = ['sleep', '30']));
  const id = uniqueId();
  const c = await factory.create(id, { bundle: bundle.dir });
  await c.start();
  t.true(rt.run(['list', '-q']).stdout.split('\n').includes(id));
  t.is(rt.run(['kill', id, 'KILL']).code, 0);
  await c.wait();
  t.is(rt.run(['delete', id]).code, 0);
  t.false((await factory.list()).some((s) => s.id === id));
});

test.serial('a container made by the CLI is loaded, started and deleted by the library', async (t) => {
  bundle.write((s) => (s.process!.args = ['true']));
  const id = uniqueId();
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  const c = await factory.load(id);
  await c.start();
  t.true(waitFor(() => rt.state(id)['status'] === 'stopped'));
  await c.delete();
  t.is(rt.run(['state', id]).code, 1);
});

test.serial('init failures are InitError with the step and errno', async (t) => {
  bundle.write((s) => s.mounts!.push({ destination: '/weird', type: 'nosuchfs', source: 'none' }));
  const err = await t.throwsAsync(factory.create(uniqueId(), { bundle: bundle.dir }), { instanceOf: InitError });
  t.is(err?.step, 'mount');
  t.is(err?.errno, 'ENODEV');
});

test.serial('operations in the wrong state are InvalidStateError', async (t) => {
  bundle.write((s) => (s.process!.args = ['sleep', '30']));
  const c = await factory.create(uniqueId(), { bundle: bundle.dir });
  await c.start();
  const err = await t.throwsAsync(c.start(), { instanceOf: InvalidStateError });
  t.is(err?.status, 'running');
  await c.delete({ force: true });
});

test.serial('two starts at once: the lock lets exactly one through', async (t) => {
  bundle.write((s) => (s.process!.args = ['sleep', '30']));
  const id = uniqueId();
  await factory.create(id, { bundle: bundle.dir });
  const [a, b] = await Promise.allSettled([(await factory.load(id)).start(), (await factory.load(id)).start()]);
  t.deepEqual([a.status, b.status].sort(), ['fulfilled', 'rejected']);
  await (await factory.load(id)).delete({ force: true });
});

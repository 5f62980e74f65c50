// process.terminal: a pseudoterminal whose slave is the container's stdio and /dev/console; its
// master goes over --console-socket (as conmon and containerd's shim receive it), or a
// foreground run or exec relays it.
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Factory } from '../../ts/index.ts';
import type { Spec } from '../../ts/spec/types.ts';
import { uniqueId } from '../helpers/cli.ts';
import { ConsoleReceiver } from '../helpers/console.ts';
import { useRuntimeAndBundle } from '../helpers/fixture.ts';
import { cliPath, nodeBinDir } from '../helpers/paths.ts';

const f = useRuntimeAndBundle();

function withTerminal(args: string[], edit?: (s: Spec) => void): void {
  f.bundle.write((s) => {
    s.process!.terminal = true;
    s.process!.args = args;
    edit?.(s);
  });
}

async function receiver(t: ExecutionContext, typed = ''): Promise<ConsoleReceiver> {
  const r = new ConsoleReceiver(typed);
  t.teardown(() => r.close());
  await r.ready;
  return r;
}

/** create --console-socket, then start: the container runs with the receiver at its terminal. */
async function createAndStart(t: ExecutionContext, console: ConsoleReceiver): Promise<string> {
  const id = uniqueId('tty');
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  const created = f.rt.run(['create', '--console-socket', console.path, '-b', f.bundle.dir, id]);
  t.is(created.code, 0, created.stderr);
  t.is(f.rt.run(['start', id]).code, 0);
  return id;
}

/** Runs ocirun under `script`, which gives it a terminal of its own; returns what it showed. */
function underScript(args: string[], input = ''): { code: number | null; output: string } {
  const command = [cliPath, ...f.rt.args(args)].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', `${command}; echo "[exit $?]"`, '/dev/null'], {
    input,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${nodeBinDir}:${process.env['PATH'] ?? ''}` },
    timeout: 30_000,
  });
  return { code: r.status, output: r.stdout };
}

test.serial("create sends the terminal's master over --console-socket, named as runc names it", async (t) => {
  withTerminal(['true']);
  const console = await receiver(t);
  await createAndStart(t, console);
  t.true(await console.waitFor(/^ready\nreceived \/dev\/ptmx\n/));
});

test.serial("the container's stdio and /dev/console are the terminal's slave", async (t) => {
  withTerminal(['sh', '-c', 'tty; readlink /proc/self/fd/0; readlink /proc/self/fd/2; stat -c "%t %T" /dev/console /dev/pts/0; echo end']);
  const console = await receiver(t);
  await createAndStart(t, console);
  t.true(await console.waitFor(/end/));
  // 0x88 is 136, the pty slaves' major number.
  t.regex(console.output, /\/dev\/pts\/0\r\n\/dev\/pts\/0\r\n\/dev\/pts\/0\r\n88 0\r\n88 0\r\nend/);
});

test.serial('what the receiver types reaches the container, and its output reaches the receiver', async (t) => {
  withTerminal(['sh', '-c', 'read x; echo "got:$x"']);
  const console = await receiver(t, 'typed in\n');
  await createAndStart(t, console);
  t.true(await console.waitFor(/got:typed in\r\n/), console.output);
});

test.serial('process.consoleSize sets the window size', async (t) => {
  withTerminal(['sh', '-c', 'stty size'], (s) => (s.process!.consoleSize = { height: 33, width: 101 }));
  const console = await receiver(t);
  await createAndStart(t, console);
  t.true(await console.waitFor(/33 101\r\n/), console.output);
});

test.serial('no descriptor of the terminal or the runtime reaches the container beyond stdio', async (t) => {
  withTerminal(['sh', '-c', 'ls /proc/self/fd | tr "\\n" " "; echo']);
  const console = await receiver(t);
  await createAndStart(t, console);
  // ls's own directory descriptor is the 3 it lists.
  t.true(await console.waitFor(/0 1 2 3 \r\n/), console.output);
});

test.serial('a foreground run relays the terminal both ways and exits with the status', (t) => {
  withTerminal(['sh', '-c', 'read x; echo "got:$x"; exit 3']);
  const r = underScript(['run', '-b', f.bundle.dir, uniqueId('tty')], 'hello\n');
  t.regex(r.output, /got:hello\r\n/);
  t.regex(r.output, /\[exit 3\]/);
});

test.serial("a foreground run leaves the caller's terminal settings as they were", (t) => {
  withTerminal(['true']);
  const command = [cliPath, ...f.rt.args(['run', '-b', f.bundle.dir, uniqueId('tty')])].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', `stty -g; ${command}; stty -g`, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${nodeBinDir}:${process.env['PATH'] ?? ''}` },
    timeout: 30_000,
  });
  // (script, its own stdin at its end, may type a NUL that shows as ^@ before the second line.)
  const settings = [...r.stdout.matchAll(/[0-9a-f]+(?::[0-9a-f]+){20,}/g)].map((m) => m[0]);
  t.is(settings.length, 2, r.stdout);
  t.is(settings[0], settings[1]);
});

test.serial('run --detach with a terminal needs a console socket, and leaves nothing without one', (t) => {
  withTerminal(['true']);
  const id = uniqueId('tty');
  const r = f.rt.run(['run', '-d', '-b', f.bundle.dir, id]);
  t.is(r.code, 1);
  t.regex(r.stderr, /cannot allocate tty if ocirun will detach without setting console socket/);
  t.false(existsSync(join(f.rt.root, id)));
});

test.serial('a terminal without a devpts at /dev/pts fails create, saying so, and leaves nothing', async (t) => {
  withTerminal(['true'], (s) => (s.mounts = s.mounts!.filter((m) => m.destination !== '/dev/pts')));
  const console = await receiver(t);
  const id = uniqueId('tty');
  const r = f.rt.run(['create', '--console-socket', console.path, '-b', f.bundle.dir, id]);
  t.is(r.code, 1);
  t.regex(r.stderr, /process\.terminal: open \/dev\/pts\/ptmx \(a devpts mount at \/dev\/pts is needed\): ENOENT/);
  t.false(existsSync(join(f.rt.root, id)));
});

test.serial('exec -t --detach sends its own terminal over the console socket', async (t) => {
  f.bundle.write((s) => (s.process!.args = ['sleep', '300']));
  const id = uniqueId('tty');
  t.is(f.rt.run(['run', '-d', '-b', f.bundle.dir, id]).code, 0);
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  const console = await receiver(t, 'from receiver\n');
  const r = f.rt.run(['exec', '-t', '-d', '--console-socket', console.path, id, 'sh', '-c', 'tty; read x; echo "got:$x"']);
  t.is(r.code, 0, r.stderr);
  t.true(await console.waitFor(/\/dev\/pts\/\d+\r\n.*got:from receiver\r\n/s), console.output);
});

test.serial('exec -t in the foreground relays the terminal and exits with the status', (t) => {
  f.bundle.write((s) => (s.process!.args = ['sleep', '300']));
  const id = uniqueId('tty');
  t.is(f.rt.run(['run', '-d', '-b', f.bundle.dir, id]).code, 0);
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  const r = underScript(['exec', '-t', id, 'sh', '-c', 'tty; read x; echo "got:$x"; exit 4'], 'typed\n');
  t.regex(r.output, /\/dev\/pts\/\d+\r\n/);
  t.regex(r.output, /got:typed\r\n/);
  t.regex(r.output, /\[exit 4\]/);
});

test.serial("the library keeps the terminal's master when no console socket is given", async (t) => {
  withTerminal(['sh', '-c', 'echo "library terminal"; tty']);
  const factory = new Factory({ root: f.rt.root });
  const c = await factory.create(uniqueId('tty'), { bundle: f.bundle.dir });
  t.teardown(() => c.delete({ force: true }));
  t.truthy(c.terminal);
  let out = '';
  const read = new Promise<void>((resolve) => {
    const stream = createReadStream('', { fd: c.terminal!.fd, autoClose: false });
    stream.on('data', (d) => (out += d.toString()));
    // EIO: the container has closed every slave.
    stream.on('error', () => resolve());
    stream.on('end', () => resolve());
  });
  await c.start();
  t.deepEqual(await c.wait(), { status: 0 });
  await read;
  c.terminal!.close();
  t.regex(out, /library terminal\r\n\/dev\/pts\/0\r\n/);
});

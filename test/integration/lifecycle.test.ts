// The lifecycle through the CLI, as container managers drive it: create, start, state, kill,
// delete, run; output, exit codes and the pid file.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { Runtime, testEnv, uniqueId } from '../helpers/cli.ts';
import { cliPath } from '../helpers/paths.ts';
import { isRunning, processesIn, waitFor } from '../helpers/procs.ts';

let rt: Runtime;
let bundle: TestBundle;

test.before(() => {
  rt = new Runtime();
  bundle = makeBundle();
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
});

const withArgs = (args: string[]) => bundle.write((s) => (s.process!.args = args));

test.serial('run prints the container output and exits with its status', (t) => {
  withArgs(['sh', '-c', 'echo hello from the container; exit 7']);
  const r = rt.run(['run', '-b', bundle.dir, uniqueId()]);
  t.is(r.stdout, 'hello from the container\n');
  t.is(r.code, 7);
});

test.serial('run removes the container after it exits', (t) => {
  withArgs(['true']);
  const id = uniqueId();
  t.is(rt.run(['run', '-b', bundle.dir, id]).code, 0);
  t.is(rt.run(['state', id]).code, 1);
  t.false(existsSync(join(rt.root, id)));
});

test.serial('a container killed by a signal makes run exit with 128 + the signal', async (t) => {
  withArgs(['sleep', '30']);
  const id = uniqueId();
  const child = rt.spawn(['run', '-b', bundle.dir, id]);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.true(waitFor(() => rt.run(['state', id]).stdout.includes('"running"')));
  t.is(rt.run(['kill', id, 'KILL']).code, 0);
  t.is(await exited, 137);
});

test.serial('run forwards the signals it receives to the container', async (t) => {
  withArgs(['sh', '-c', 'trap "exit 42" TERM; while true; do sleep 0.1; done']);
  const id = uniqueId();
  const child = rt.spawn(['run', '-b', bundle.dir, id]);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.true(waitFor(() => rt.run(['state', id]).stdout.includes('"running"')));
  child.kill('SIGTERM');
  t.is(await exited, 42);
});

test.serial('create leaves the container created, with its pid in the pid file', (t) => {
  withArgs(['sleep', '30']);
  const id = uniqueId();
  const pidFile = join(bundle.dir, 'pid');
  const r = rt.run(['create', '-b', bundle.dir, '--pid-file', pidFile, id]);
  t.is(r.code, 0, r.stderr);
  const state = rt.state(id);
  t.is(state['status'], 'created');
  t.is(state['id'], id);
  t.is(state['bundle'], bundle.dir);
  t.is(state['rootfs'], bundle.rootfs);
  t.is(state['ociVersion'], '1.3.0');
  t.is(readFileSync(pidFile, 'utf8'), String(state['pid']));
  t.is(readFileSync(`/proc/${String(state['pid'])}/comm`, 'utf8').trim(), 'ocirun-init');
  t.is(rt.run(['delete', id]).code, 0, 'a created container can be deleted without --force');
  t.true(waitFor(() => !isRunning(Number(state['pid']))), 'delete killed the init');
});

test.serial('start runs the program; state follows created, running, stopped', (t) => {
  withArgs(['sleep', '30']);
  const id = uniqueId();
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  t.is(rt.state(id)['status'], 'created');
  const start = rt.run(['start', id]);
  t.is(start.code, 0, start.stderr);
  t.is(rt.state(id)['status'], 'running');
  t.is(rt.run(['start', id]).stderr.includes('cannot start an already running container'), true);
  t.is(rt.run(['kill', id, 'KILL']).code, 0);
  waitFor(() => rt.state(id)['status'] === 'stopped');
  const stopped = rt.state(id);
  t.is(stopped['status'], 'stopped');
  t.is(stopped['pid'], 0);
  t.is(rt.run(['delete', id]).code, 0);
});

test.serial('kill takes signal numbers and names; delete refuses a running container without --force', (t) => {
  withArgs(['sleep', '30']);
  const id = uniqueId();
  rt.run(['create', '-b', bundle.dir, id]);
  rt.run(['start', id]);
  t.is(rt.run(['kill', id, 'FOO']).code, 1);
  const refused = rt.run(['delete', id]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /cannot delete container .* that is not stopped: running/);
  t.is(rt.run(['kill', id, '15']).code, 0, 'sleep as pid 1 ignores SIGTERM, so it stays running');
  t.is(rt.run(['delete', '--force', id]).code, 0);
  t.is(rt.run(['state', id]).code, 1);
});

test.serial('kill --all signals every process of the container', (t) => {
  withArgs(['sh', '-c', 'sleep 30 & sleep 30 & wait']);
  const id = uniqueId();
  rt.run(['create', '-b', bundle.dir, id]);
  rt.run(['start', id]);
  waitFor(() => processesIn(Number(rt.state(id)['pid'])).length >= 3);
  t.is(rt.run(['kill', '--all', id, 'KILL']).code, 0);
  waitFor(() => rt.state(id)['status'] === 'stopped');
  t.is(rt.state(id)['status'], 'stopped');
  rt.run(['delete', id]);
});

test.serial('list shows containers as a table, ids only, or JSON', (t) => {
  withArgs(['sleep', '30']);
  const id = uniqueId();
  rt.run(['create', '-b', bundle.dir, id]);
  const tableOut = rt.run(['list']).stdout.split('\n');
  t.regex(tableOut[0] ?? '', /^ID {10}PID {9}STATUS {6}BUNDLE/);
  t.true(tableOut.some((l) => l.startsWith(id) && l.includes('created')));
  t.true(rt.run(['list', '-q']).stdout.split('\n').includes(id));
  const json = JSON.parse(rt.run(['list', '--format', 'json']).stdout) as { id: string; status: string }[];
  t.is(json.find((c) => c.id === id)?.status, 'created');
  rt.run(['delete', '--force', id]);
});

test.serial('operations on a container that does not exist fail as runc does', (t) => {
  const r = rt.run(['state', 'no-such-container']);
  t.is(r.code, 1);
  t.regex(r.stderr, /level=error msg="container does not exist"/);
  t.is(rt.run(['delete', '--force', 'no-such-container']).code, 0, 'delete --force of a missing container succeeds');
});

test.serial('--log-format json writes runc JSON lines to the --log file', (t) => {
  const log = join(bundle.dir, 'log.json');
  const r = rt.run(['--log', log, '--log-format=json', 'state', 'no-such-container']);
  t.is(r.code, 1);
  t.is(r.stderr, 'container does not exist\n');
  const line = JSON.parse(readFileSync(log, 'utf8').trim()) as Record<string, string>;
  t.is(line['level'], 'error');
  t.is(line['msg'], 'container does not exist');
  t.regex(line['time'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test.serial('--version prints runc-style version and commit lines', (t) => {
  const r = rt.run(['--version']);
  t.regex(r.stdout, /^ocirun version \d+\.\d+\.\d+\ncommit: \S+\nspec: 1\.3\.0\n/);
});

test.serial('spec writes a default config.json and refuses to overwrite it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-spec-'));
  t.is(rt.run(['spec', '-b', dir]).code, 0);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { process: { terminal: boolean }; root: { path: string } };
  t.true(spec.process.terminal, 'like runc, the default spec asks for a terminal');
  t.is(spec.root.path, 'rootfs');
  const again = rt.run(['spec', '-b', dir]);
  t.is(again.code, 1);
  t.regex(again.stderr, /File config\.json exists\. Remove it first/);
  rmSync(dir, { recursive: true });
});

test.serial('run -d starts the container and returns, leaving it running', (t) => {
  withArgs(['sleep', '30']);
  const id = uniqueId();
  const r = rt.run(['run', '-d', '-b', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  t.is(rt.state(id)['status'], 'running');
  t.is(rt.run(['delete', '--force', id]).code, 0);
});

test.serial('the container writes to the stdio create was given', (t) => {
  withArgs(['sh', '-c', 'echo to-stdout; echo to-stderr >&2']);
  const id = uniqueId();
  const r = rt.run(['create', '-b', bundle.dir, id]);
  t.is(r.code, 0);
  t.is(r.stdout, '', 'nothing yet: the program has not run');
  // start's stdio is not the container's: the output lands where create's went.
  const out = join(bundle.dir, 'create-out');
  const created = spawnSync(cliPath, ['--root', rt.root, 'create', '-b', bundle.dir, `${id}-2`], {
    env: testEnv,
    stdio: ['ignore', openSync(out, 'w'), openSync(`${out}.err`, 'w')],
  });
  t.is(created.status, 0);
  t.is(rt.run(['start', `${id}-2`]).stdout, '');
  t.true(waitFor(() => readFileSync(out, 'utf8') === 'to-stdout\n'));
  t.true(waitFor(() => readFileSync(`${out}.err`, 'utf8') === 'to-stderr\n'));
  rt.run(['delete', '--force', id]);
  rt.run(['delete', '--force', `${id}-2`]);
});

test.serial('a create that died before writing any state is removed by delete --force', (t) => {
  const id = uniqueId();
  mkdirSync(join(rt.root, id));
  t.false(rt.run(['list', '-q']).stdout.includes(id), 'a bare directory is not a container');
  t.is(rt.run(['delete', '--force', id]).code, 0);
  t.false(existsSync(join(rt.root, id)));
});

test.serial('a create that died after the init was ready: delete kills the init', (t) => {
  withArgs(['sleep', '30']);
  const id = uniqueId();
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  const pid = Number(rt.state(id)['pid']);
  // Rewind the record to what a creator killed just before its last write leaves behind.
  const file = join(rt.root, id, 'state.json');
  const record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...record, phase: 'creating', creator: { pid: 999999999, startTime: 1 } }));
  t.is(rt.state(id)['status'], 'stopped', 'its creator is gone');
  t.is(rt.run(['delete', id]).code, 0);
  t.true(waitFor(() => !isRunning(pid)), 'the init did not outlive its state');
});

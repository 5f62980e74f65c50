// Known container escapes, replayed against ocirun: each test builds the malicious bundle,
// image or racing process of one CVE, asserts what must not happen on the host, and fails when
// the protection it names is taken out (README, "Security", says what each protection is).
import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { ConsoleReceiver } from '../helpers/console.ts';
import { type CliResult, Runtime, runScript, testEnv, uniqueId } from '../helpers/cli.ts';
import { makeNullDevice, snapshot } from '../helpers/host.ts';
import { cliPath } from '../helpers/paths.ts';
import { hostMounts, isRunning, waitFor } from '../helpers/procs.ts';
import { startSwapper } from '../helpers/race.ts';
import type { Spec } from '../../ts/spec/types.ts';

/**
 * How many containers a race test creates while the racing process runs; up to three times as
 * many while both outcomes are awaited; and for how long at most.
 */
const RACE_RUNS = 24;
const RACE_SECONDS = 45;

let rt: Runtime;

test.before(() => {
  rt = new Runtime();
});

test.after.always(() => {
  rt.destroy();
});

interface Scene {
  bundle: TestBundle;
  /** A host directory outside the bundle, with a canary file: what the attacker wants to reach. */
  host: string;
}

function scene(t: ExecutionContext): Scene {
  const bundle = makeBundle();
  const host = mkdtempSync(join(tmpdir(), 'ocirun-victim-'));
  writeFileSync(join(host, 'canary'), 'untouched\n');
  t.teardown(() => {
    bundle.remove();
    rmSync(host, { recursive: true, force: true });
  });
  return { bundle, host };
}

const sh = (bundle: TestBundle, script: string, edit?: (s: Spec) => void) => runScript(rt, bundle, script, edit);

/** The runtime refused the container before its program ran: exit 1 and an error line. */
function refused(t: ExecutionContext, r: CliResult, message: RegExp, what = ''): void {
  t.is(r.code, 1, `${what}: ${r.stdout}${r.stderr}`);
  t.regex(r.stderr, /level=error/, what);
  t.regex(r.stderr, message, what);
}

interface Created {
  id: string;
  pid: number;
  /** The file that receives the container's stdout and stderr (Runtime.run discards them). */
  output: string;
}

/** Creates a container running `args`, deleted when the test ends. */
function create(t: ExecutionContext, bundle: TestBundle, args: string[]): Created {
  bundle.write((s) => (s.process!.args = args));
  const id = uniqueId();
  const output = join(bundle.dir, 'output');
  const fd = openSync(output, 'w');
  try {
    const r = spawnSync(cliPath, rt.args(['create', '-b', bundle.dir, id]), { env: testEnv, stdio: ['ignore', fd, fd], timeout: 60_000 });
    t.is(r.status, 0, readFileSync(output, 'utf8'));
  } finally {
    closeSync(fd);
  }
  t.teardown(() => rt.run(['delete', '--force', id]));
  return { id, pid: Number(rt.state(id)['pid']), output };
}

/** Starts the container and returns what it wrote once its process has ended. */
function startToTheEnd(t: ExecutionContext, c: Created): string {
  t.is(rt.run(['start', c.id]).code, 0);
  t.true(waitFor(() => !isRunning(c.pid), 10_000));
  return readFileSync(c.output, 'utf8');
}

/** Writes in place at offset 0 through a path, as an attacker overwriting a binary would. */
function overwrite(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, 'pwned', 0);
  } finally {
    closeSync(fd);
  }
}

/** Replaces the default /dev tmpfs by a bind of `dir`: a /dev the image (or a shared volume) controls. */
function devFrom(dir: string): (s: Spec) => void {
  return (s) => {
    s.mounts = s.mounts!.map((m) => (m.destination === '/dev' ? { destination: '/dev', source: dir, options: ['bind'] } : m));
  };
}

interface Race {
  /** The two names the racing process swaps. */
  swap: [string, string];
  script: string;
  edit: (s: Spec) => void;
  /** What the script prints in a container that ran. */
  expected: string;
  /** How the runtime refuses a container when the race turned against the setup. */
  refusal: RegExp;
  /** Whether the race must show both outcomes (which each run gets is up to the scheduler). */
  bothOutcomes: boolean;
}

/**
 * Runs the script in up to RACE_RUNS containers while a racing process swaps two names, and
 * checks each outcome: the container ran and printed what was expected, or the runtime refused
 * it (never a container that started and then saw something else).
 */
async function race(t: ExecutionContext, bundle: TestBundle, { swap, script, edit, expected, refusal, bothOutcomes }: Race): Promise<void> {
  bundle.write();
  const tally = { ran: 0, refused: 0 };
  const swapper = await startSwapper(swap[0], swap[1], RACE_SECONDS + 30);
  const deadline = Date.now() + RACE_SECONDS * 1000;
  try {
    const awaiting = () => bothOutcomes && (tally.ran === 0 || tally.refused === 0);
    for (let i = 0; (i < RACE_RUNS || (awaiting() && i < 3 * RACE_RUNS)) && Date.now() < deadline; i++) {
      const r = sh(bundle, script, edit);
      if (r.code === 0) {
        t.is(r.stdout, expected, `run ${i}: ${r.stderr}`);
        tally.ran += 1;
      } else {
        refused(t, r, refusal, `run ${i}`);
        tally.refused += 1;
      }
    }
  } finally {
    t.true((await swapper.stop()) > 0, 'the racing process swapped');
  }
  t.log(`${tally.ran} containers ran, ${tally.refused} were refused`);
  if (bothOutcomes) t.true(tally.ran > 0 && tally.refused > 0, 'the race reached both states of the swapped names');
  else t.true(tally.ran > 0, 'containers ran while the race went on');
}

/**
 * A host directory shared with the container at /vol (a volume another container could write
 * to): `dir` is a directory, `flip` a symlink to `target`; a racing process swaps the two.
 */
function sharedVolume(host: string, target: string) {
  const vol = join(host, 'vol');
  mkdirSync(join(vol, 'dir'), { recursive: true });
  symlinkSync(target, join(vol, 'flip'));
  return {
    dir: join(vol, 'dir'),
    swap: [join(vol, 'dir'), join(vol, 'flip')] as [string, string],
    mount: { destination: '/vol', source: vol, options: ['rbind'] },
  };
}

// --- CVE-2019-5736: overwriting the runtime through /proc/PID/exe ---------------------------

test.serial('CVE-2019-5736: the init executable cannot be overwritten through /proc/1/exe once the program runs', async (t) => {
  const { bundle } = scene(t);
  bundle.write((s) => {
    s.process!.args = ['sleep', '30'];
    s.root!.readonly = false;
  });
  const id = uniqueId();
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  t.teardown(() => rt.run(['delete', '--force', id]));
  const pid = Number(rt.state(id)['pid']);
  t.regex(readlinkSync(`/proc/${pid}/exe`), /^\/memfd:ocirun-init/, 'the init runs from a memfd, not a file on disk');

  // An attacker inside the container (entered as root, with every capability) opens the
  // init's executable while it runs, waits until the init has executed the container's
  // program (so the file is no longer busy), then reopens its descriptor for writing.
  const flag = (name: string) => join(bundle.rootfs, 'tmp', name);
  const script = [
    'exec 3</proc/1/exe',
    'touch /tmp/ready',
    'while [ ! -e /tmp/go ]; do sleep 0.05; done',
    '(printf pwned | dd of=/proc/self/fd/3 conv=notrunc) 2>/dev/null && echo overwritten',
    '(echo pwned >> /proc/self/fd/3) 2>/dev/null && echo appended',
    '(echo pwned > /proc/self/fd/3) 2>/dev/null && echo truncated',
    '(printf pwned | dd of=/proc/1/exe conv=notrunc) 2>/dev/null && echo direct',
    'echo done',
  ].join('; ');
  const attacker = spawn('nsenter', ['-t', String(pid), '-m', '-p', '-r', '-w', '/bin/sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  attacker.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise((resolve) => attacker.on('exit', resolve));
  t.true(waitFor(() => existsSync(flag('ready')), 10_000));
  t.is(rt.run(['start', id]).code, 0);
  t.true(waitFor(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep'));
  writeFileSync(flag('go'), '');
  await done;
  t.is(out, 'done\n', 'every write to the init executable failed');
});

test.serial('CVE-2019-5736: a "#!/proc/self/exe" program re-executes only the sealed init, which stays unwritable after it exits', (t) => {
  const { bundle } = scene(t);
  writeFileSync(join(bundle.rootfs, 'bin', 'evil'), '#!/proc/self/exe\n', { mode: 0o755 });
  const c = create(t, bundle, ['/bin/evil']);
  // Whoever holds the executable open (this test, standing in for a second process of the
  // container) keeps it after the program the trick re-executed has exited.
  const exe = openSync(`/proc/${c.pid}/exe`, 'r');
  t.teardown(() => closeSync(exe));
  t.regex(startToTheEnd(t, c), /ocirun-init: this program is started by ocirun/, 'the interpreter the kernel ran was the init itself');
  t.throws(() => overwrite(`/proc/self/fd/${exe}`), undefined, 'the executable cannot be written');
});

// --- CVE-2024-21626: a leaked descriptor as working directory or program path ---------------

test.serial('CVE-2024-21626: a working directory through a leaked descriptor (/proc/self/fd/N) is refused', (t) => {
  const { bundle } = scene(t);
  let outside = 0;
  for (let fd = 3; fd <= 9; fd++) {
    const r = sh(bundle, 'pwd; ls', (s) => (s.process!.cwd = `/proc/self/fd/${fd}`));
    const out = r.stdout + r.stderr;
    t.notRegex(out, /unreachable|state\.json|exec\.fifo/, `fd ${fd}`);
    if (r.code === 0) t.regex(r.stdout, /^\//, `fd ${fd}: the cwd is a path inside the container`);
    if (/lies outside the container's root/.test(r.stderr)) outside += 1;
  }
  t.true(outside > 0, 'at least one descriptor led outside the root, and was refused');
});

/**
 * A host executable the attacker wants the container to run: a static busybox named echo, so
 * that it echoes its arguments. It must be a binary, not a script: an interpreter would open
 * the script again by its path, after the descriptors are gone.
 */
function hostProgram(host: string): string {
  const path = join(host, 'echo');
  copyFileSync(BUSYBOX, path);
  chmodSync(path, 0o755);
  return path;
}

/** A path that climbs from whatever descriptor N holds to the host's root, then to `target`. */
const throughFd = (fd: number, target: string) => `/proc/self/fd/${fd}${'/..'.repeat(24)}${target}`;

test.serial('CVE-2024-21626: a program path through a leaked descriptor (/proc/self/fd/N/..) is refused at create', (t) => {
  const { bundle, host } = scene(t);
  const program = hostProgram(host);
  let loops = 0;
  for (let fd = 3; fd <= 9; fd++) {
    bundle.write((s) => (s.process!.args = [throughFd(fd, program), 'escaped']));
    const r = rt.run(['run', '-b', bundle.dir, uniqueId()]);
    t.notRegex(r.stdout, /escaped/, `fd ${fd}`);
    t.not(r.code, 0, `fd ${fd}`);
    if (/ELOOP/.test(r.stderr)) loops += 1;
  }
  t.true(loops > 0, 'at least one descriptor was open, and the path through it was refused');
});

test.serial('CVE-2024-21626: a program symlink pointed at a leaked descriptor between create and start cannot run a host file', (t) => {
  const { bundle, host } = scene(t);
  const program = hostProgram(host);
  // The image's program is /opt/echo, a symlink to a script that ignores its arguments.
  mkdirSync(join(bundle.rootfs, 'opt'));
  const app = join(bundle.rootfs, 'opt', 'echo');
  writeFileSync(join(bundle.rootfs, 'bin', 'app.sh'), '#!/bin/sh\necho benign\n', { mode: 0o755 });
  symlinkSync('/bin/app.sh', app);
  const c = create(t, bundle, ['/opt/echo', 'escaped']);
  // The init holds the container's state directory open while it waits for start; a process
  // sharing the image (a second container, a host volume) repoints the program at it.
  const fds = readdirSync(`/proc/${c.pid}/fd`).map(Number);
  const stateFd = fds.find((fd) => readlinkSync(`/proc/${c.pid}/fd/${fd}`) === join(rt.root, c.id));
  t.truthy(stateFd, 'the init holds a host directory open until start');
  rmSync(app);
  symlinkSync(throughFd(stateFd!, program), app);
  const out = startToTheEnd(t, c);
  t.notRegex(out, /escaped/);
  t.regex(out, /ocirun: exec "\/opt\/echo": ENOENT/, 'the descriptor was closed before the exec');
});

// --- CVE-2019-16884, CVE-2019-19921: a volume over /proc ------------------------------------

test.serial('CVE-2019-16884: a mount over /proc, directly or through a symlink in the image, is refused', (t) => {
  const { bundle, host } = scene(t);
  symlinkSync('/proc', join(bundle.rootfs, 'evil'));
  symlinkSync('../proc', join(bundle.rootfs, 'etc', 'evil'));
  const mounts = hostMounts(host, bundle.dir);
  for (const destination of ['/proc', '/evil', '/etc/evil', '/evil/self']) {
    for (const mount of [{ source: host, options: ['bind'] }, { type: 'tmpfs', source: 'tmpfs' }]) {
      const r = sh(bundle, 'true', (s) => s.mounts!.push({ destination, ...mount }));
      refused(t, r, /is inside \/proc, where only a proc filesystem/, `${mount.source} on ${destination}`);
    }
  }
  t.deepEqual(hostMounts(host, bundle.dir), mounts);
});

test.serial('CVE-2019-19921: a volume directory swapped for a symlink to /proc while mounts are made never covers /proc', async (t) => {
  const { bundle, host } = scene(t);
  const vol = sharedVolume(host, '../proc');
  const payload = join(host, 'payload');
  mkdirSync(payload);
  writeFileSync(join(payload, 'planted'), 'a fake procfs\n');
  await race(t, bundle, {
    swap: vol.swap,
    script: 'test -e /proc/self/status && ! test -e /proc/planted && echo procfs',
    edit: (s) => s.mounts!.push(vol.mount, { destination: '/vol/dir', source: payload, options: ['bind'] }),
    expected: 'procfs\n',
    refusal: /mount destination \/proc is inside \/proc/,
    bothOutcomes: true,
  });
});

// --- CVE-2021-30465: symlink-exchange races on mount targets --------------------------------

test.serial('CVE-2021-30465: mount targets in a volume whose directory races with a symlink to a host directory land in the container', async (t) => {
  const { bundle, host } = scene(t);
  const victim = join(host, 'victim');
  const vol = sharedVolume(host, victim);
  const targets = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => `m${k}`);
  for (const m of targets) {
    mkdirSync(join(vol.dir, m));
    mkdirSync(join(victim, m), { recursive: true });
  }
  const before = snapshot(victim);
  const mounts = hostMounts(host, bundle.dir);
  await race(t, bundle, {
    swap: vol.swap,
    // Each tmpfs has its own source name; one that landed outside the rootfs would be gone
    // with the old root after pivot_root, and missing here.
    script: 'grep -c " race-[0-9]* " /proc/self/mountinfo',
    edit: (s) => {
      s.mounts!.push(vol.mount);
      targets.forEach((m, i) => s.mounts!.push({ destination: `/vol/dir/${m}`, type: 'tmpfs', source: `race-${i + 1}` }));
    },
    expected: `${targets.length}\n`,
    refusal: /mount tmpfs on \/vol\/dir\/m\d+/,
    // A walk that meets the swap halfway fails (ENOTDIR), rarely: most runs simply land.
    bothOutcomes: false,
  });
  t.deepEqual(snapshot(victim), before, 'nothing was created or changed in the host directory');
  t.deepEqual(hostMounts(host, bundle.dir), mounts, 'nothing was mounted on the host');
});

test.serial('CVE-2021-30465: a volume target that is a symlink to / resolves to the container\'s root, not the host\'s', (t) => {
  const { bundle, host } = scene(t);
  const vol = join(host, 'vol');
  mkdirSync(vol);
  symlinkSync('/', join(vol, 'root'));
  const name = `ocirun-escape-${process.pid}`;
  const mounts = hostMounts(`/${name}`, host, bundle.dir);
  const r = sh(bundle, `grep -c " /${name} " /proc/self/mountinfo`, (s) => {
    s.mounts!.push({ destination: '/vol', source: vol, options: ['rbind'] });
    s.mounts!.push({ destination: `/vol/root/${name}`, type: 'tmpfs', source: 'tmpfs' });
  });
  t.is(r.stdout, '1\n', r.stderr);
  t.false(existsSync(`/${name}`), 'nothing was created in the host\'s root');
  t.true(existsSync(join(bundle.rootfs, name)), 'the target was created in the rootfs');
  t.deepEqual(hostMounts(`/${name}`, host, bundle.dir), mounts);
});

// --- CVE-2025-31133: maskedPaths with a /dev/null that is not one -------------------------

test.serial('CVE-2025-31133: masking refuses a /dev/null that is a symlink, a plain file or missing', (t) => {
  const { bundle, host } = scene(t);
  const writable = join(bundle.rootfs, 'tmp', 'writable');
  writeFileSync(writable, 'original\n', { mode: 0o666 });
  const cases: [string, (dev: string) => void][] = [
    ['a symlink to a writable file', (dev) => symlinkSync('/tmp/writable', join(dev, 'null'))],
    ['a plain file', (dev) => writeFileSync(join(dev, 'null'), '')],
    ['missing', () => {}],
  ];
  for (const [what, make] of cases) {
    const dev = mkdtempSync(join(host, 'dev-'));
    make(dev);
    const r = sh(bundle, 'echo pwned > /proc/timer_list; cat /proc/timer_list', (s) => {
      devFrom(dev)(s);
      s.linux!.maskedPaths = ['/proc/timer_list'];
    });
    refused(t, r, /mask \/proc\/timer_list: the container's \/dev\/null is missing or is not the null device/, what);
  }
  t.is(readFileSync(writable, 'utf8'), 'original\n');
});

test.serial('CVE-2025-31133: a /dev/null swapped with a symlink while masks are made never binds the symlink\'s target', async (t) => {
  const { bundle, host } = scene(t);
  const writable = join(bundle.rootfs, 'tmp', 'writable');
  writeFileSync(writable, 'original\n', { mode: 0o666 });
  const dev = join(host, 'dev');
  mkdirSync(dev);
  makeNullDevice(join(dev, 'null'));
  symlinkSync('/tmp/writable', join(dev, 'evil'));
  await race(t, bundle, {
    swap: [join(dev, 'null'), join(dev, 'evil')],
    // No redirection to /dev/null here: the racing process flips it under the script too.
    script: 'echo pwned > /proc/timer_list; echo ran',
    edit: (s) => {
      devFrom(dev)(s);
      s.linux!.maskedPaths = ['/proc/timer_list'];
    },
    expected: 'ran\n',
    refusal: /mask \/proc\/timer_list: the container's \/dev\/null is missing or is not the null device/,
    bothOutcomes: true,
  });
  t.is(readFileSync(writable, 'utf8'), 'original\n', 'no masked path was backed by the writable file');
});

// --- CVE-2025-52565: /dev/console redirected to a procfs file ------------------------------

test.serial('CVE-2025-52565: a /dev/console symlink to a procfs file is never a mount target', async (t) => {
  const { bundle, host } = scene(t);
  const dev = join(host, 'dev');
  mkdirSync(dev);
  makeNullDevice(join(dev, 'null'));
  symlinkSync('/proc/sysrq-trigger', join(dev, 'console'));
  const receiver = new ConsoleReceiver();
  t.teardown(() => receiver.close());
  await receiver.ready;
  bundle.write((s) => {
    s.process!.terminal = true;
    s.process!.args = ['true'];
    devFrom(dev)(s);
  });
  const id = uniqueId();
  refused(t, rt.run(['create', '--console-socket', receiver.path, '-b', bundle.dir, id]), /\/dev\/console is neither a file nor a character device: ELOOP/);
  t.false(existsSync(join(rt.root, id)), 'nothing is left behind');
  t.false(readFileSync('/proc/self/mountinfo', 'utf8').includes('sysrq-trigger'), 'nothing is mounted on the procfs file');
});

// --- CVE-2025-52881: runtime writes to procfs redirected -------------------------------------

test.serial('CVE-2025-52881: a sysctl is written to the kernel, never to a file the rootfs puts in its place', (t) => {
  const { bundle } = scene(t);
  // The config mounts no procfs, so the image's own /proc is what the container has; its
  // ip_forward is a symlink to a file of the image.
  const fake = join(bundle.rootfs, 'proc', 'sys', 'net', 'ipv4');
  mkdirSync(fake, { recursive: true });
  const victim = join(bundle.rootfs, 'etc', 'victim');
  writeFileSync(victim, 'untouched\n');
  symlinkSync('/etc/victim', join(fake, 'ip_forward'));
  bundle.write((s) => {
    s.process!.args = ['sleep', '30'];
    s.mounts = s.mounts!.filter((m) => m.type !== 'proc');
    s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
  });
  const id = uniqueId();
  const r = rt.run(['create', '-b', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  t.teardown(() => rt.run(['delete', '--force', id]));
  const pid = Number(rt.state(id)['pid']);
  t.is(readFileSync(victim, 'utf8'), 'untouched\n', 'the file posing as the sysctl was not written');
  const inNetns = spawnSync('nsenter', ['-t', String(pid), '-n', 'cat', '/proc/sys/net/ipv4/ip_forward'], { encoding: 'utf8' });
  t.is(inNetns.stdout, '1\n', 'the container\'s network namespace got the value');
});

// --- CVE-2023-27561, CVE-2023-28642: a /proc that is a symlink ------------------------------

test.serial('CVE-2023-28642: a /proc symlink in the rootfs does not move the proc mount out of the container', (t) => {
  const { bundle, host } = scene(t);
  const before = snapshot(host);
  const mounts = hostMounts(host, bundle.dir);
  const cases: [string, string][] = [
    ['proc', host],
    ['proc', `../../../../../../../../..${host}`],
    ['proc', '/sys'],
    ['sys', '/proc'],
  ];
  for (const [dir, target] of cases) {
    const path = join(bundle.rootfs, dir);
    rmSync(path, { recursive: true });
    symlinkSync(target, path);
    const fstype = dir === 'proc' ? 'proc' : 'sysfs';
    refused(t, sh(bundle, 'true'), new RegExp(`mount ${fstype} on /${dir}: ${fstype} must be mounted on an ordinary directory`), `/${dir} -> ${target}`);
    rmSync(path);
    mkdirSync(path);
  }
  t.deepEqual(snapshot(host), before, 'nothing was created in the host directory');
  t.deepEqual(hostMounts(host, bundle.dir), mounts, 'nothing was mounted on the host');
});

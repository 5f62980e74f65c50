// The CLI benchmark: `run` of /bin/true, and each phase (create, start, state, delete), then
// create with a full linux.resources block and update, for ocirun, runc and crun side by side
// in one run, with `node -e 0` as the floor under ocirun.
// Prints medians and ratios. Run as root:
//   node bench/bench.ts [--runs N] [--rounds N] [--warmup N] [--only ocirun,runc] [--rootless]
//
// --rootless: every runtime runs as the tests' unprivileged user (made if missing) with the
// rootless config (`spec --rootless`: the user mapped to root, no network namespace), and
// only the lifecycle phases, as a rootless container has no cgroup for resources.
//
// Every runtime runs the same bundle. crun 1.8 refuses this machine's hybrid cgroup layout, so
// its worker runs in a private mount namespace with the cgroup2 mount hidden (affects nothing
// outside). Each worker is a separate process; timings are wall-clock around spawnSync.
import { spawnSync } from 'node:child_process';
import { existsSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBundle } from '../test/helpers/bundle.ts';
import { cliPath, nodeBinDir } from '../test/helpers/paths.ts';
import { rootlessUser } from '../test/helpers/rootless-user.ts';
import { rootlessSpec } from '../ts/spec/defaults.ts';

type Runtime = 'ocirun' | 'runc' | 'crun';
const PHASES = ['run', 'create', 'start', 'state', 'delete', 'create+resources', 'update'] as const;
type Phase = (typeof PHASES)[number] | 'node -e 0';
type Samples = Partial<Record<Phase, number[]>>;

const env = { ...process.env, PATH: `${nodeBinDir}:${process.env['PATH'] ?? ''}` };

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** Where the timed commands' stderr goes: a file, since a created container keeps the stdio
 * it was given and a pipe would stay open as long as it lives. */
const errFile = join(mkdtempSync(join(tmpdir(), 'bench-err-')), 'stderr');
const errFd = openSync(errFile, 'w+');

function timed(cmd: string, args: string[]): number {
  ftruncateSync(errFd, 0);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', errFd] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${readFileSync(errFile, 'utf8')}`);
  return ms;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

function pidOf(cmd: string, root: string, id: string): number {
  const r = spawnSync(cmd, ['--root', root, 'state', id], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(r.stdout) as { pid: number }).pid;
}

/** Times every phase `runs` times (after `warmup` untimed rounds) for one runtime. */
function worker(rt: Runtime, bundle: string, limited: string, runs: number, warmup: number): Samples {
  const rootless = !limited;
  if (rt === 'crun' && !rootless) {
    // Inside our private mount namespace: hide the hybrid host's cgroup2 mount from crun.
    spawnSync('umount', ['/sys/fs/cgroup/unified']);
  }
  const cmd = rt === 'ocirun' ? cliPath : rt;
  const root = mkdtempSync(join(tmpdir(), `bench-${rt}-`));
  const samples: Samples = {};
  const add = (p: Phase, ms: number, i: number) => {
    if (i >= warmup) (samples[p] ??= []).push(ms);
  };
  try {
    for (let i = 0; i < warmup + runs; i++) {
      const base = ['--root', root];
      add('run', timed(cmd, [...base, 'run', '-b', bundle, `r${i}`]), i);
      add('create', timed(cmd, [...base, 'create', '-b', bundle, `c${i}`]), i);
      const pid = pidOf(cmd, root, `c${i}`);
      add('start', timed(cmd, [...base, 'start', `c${i}`]), i);
      while (alive(pid)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      add('state', timed(cmd, [...base, 'state', `c${i}`]), i);
      add('delete', timed(cmd, [...base, 'delete', `c${i}`]), i);
      if (!rootless) {
        add('create+resources', timed(cmd, [...base, 'create', '-b', limited, `l${i}`]), i);
        add('update', timed(cmd, [...base, 'update', '--memory', String(96 << 20), '--pids-limit', '64', '--cpu-quota', '20000', `l${i}`]), i);
        spawnSync(cmd, [...base, 'delete', '-f', `l${i}`], { env, stdio: 'ignore' });
      }
      if (rt === 'ocirun') add('node -e 0', timed('node', ['-e', '0']), i);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(join(errFile, '..'), { recursive: true, force: true });
  }
  return samples;
}

function median(xs: number[] | undefined): number | undefined {
  if (!xs?.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function installed(rt: Runtime): boolean {
  return rt === 'ocirun' || spawnSync(rt, ['--version']).status === 0;
}

/** `limited` is '' for a rootless run; `user` the unprivileged user it runs as. */
function runWorker(rt: Runtime, bundle: string, limited: string, runs: number, warmup: number, user?: { uid: number; gid: number }): Samples {
  const self = [join(import.meta.dirname, 'bench.ts'), '--worker', rt, '--bundle', bundle, '--limited', limited, '--runs', String(runs), '--warmup', String(warmup)];
  let [cmd, args] = rt === 'crun' ? ['unshare', ['-m', '--', process.execPath, ...self]] : [process.execPath, self];
  if (user) {
    // Root hides cgroup2 from crun (see above) in the worker's mount namespace, then drops to the user.
    const hide = rt === 'crun' ? 'umount /sys/fs/cgroup/unified; ' : '';
    const drop = `${hide}exec setpriv --reuid=${user.uid} --regid=${user.gid} --clear-groups "$@"`;
    [cmd, args] = ['unshare', ['-m', '--', 'sh', '-c', drop, 'sh', process.execPath, ...self]];
  }
  const r = spawnSync(cmd, args as string[], { env, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`${rt} worker failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Samples;
}

const fmt = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`);

function main(): void {
  const runs = Number(arg('--runs', '30'));
  const warmup = Number(arg('--warmup', '3'));
  if (process.argv.includes('--worker')) {
    const rt = arg('--worker', 'ocirun') as Runtime;
    process.stdout.write(JSON.stringify(worker(rt, arg('--bundle', ''), arg('--limited', ''), runs, warmup)));
    return;
  }
  const user = process.argv.includes('--rootless') ? rootlessUser() : undefined;
  const b = makeBundle(['/bin/true']);
  // crun 1.8 knows runtime-spec versions up to 1.0.x; the bundles use nothing newer.
  b.write((spec) => {
    spec.ociVersion = '1.0.2';
    if (user) {
      const r = rootlessSpec(user.uid, user.gid);
      [spec.linux, spec.mounts] = [r.linux, r.mounts];
    }
  });
  if (user) spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, b.dir]);
  // The same program with a full resources block, for create+resources and update.
  const limited = makeBundle(['sleep', '30']);
  limited.write((spec) => {
    spec.ociVersion = '1.0.2';
    spec.linux!.resources = {
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20, swappiness: 10 },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
      pids: { limit: 50 },
      ...(existsSync('/dev/loop0') ? { blockIO: { throttleReadBpsDevice: [{ major: 7, minor: 0, rate: 1 << 20 }] } } : {}),
    };
  });
  try {
    const results: Partial<Record<Runtime, Samples>> = {};
    const only = arg('--only', '');
    const runtimes = (['ocirun', 'runc', 'crun'] as Runtime[]).filter((rt) => (!only || only.split(',').includes(rt)) && installed(rt));
    // Rounds alternate the runtimes, so that the machine's drift spreads over all of them.
    const rounds = Math.max(1, Math.min(runs, Number(arg('--rounds', '5'))));
    for (let round = 0; round < rounds; round++) {
      const n = Math.floor(runs / rounds) + (round < runs % rounds ? 1 : 0);
      for (const rt of runtimes) {
        const samples = runWorker(rt, b.dir, user ? '' : limited.dir, n, round === 0 ? warmup : 1, user);
        const into = (results[rt] ??= {});
        for (const [phase, xs] of Object.entries(samples) as [Phase, number[]][]) (into[phase] ??= []).push(...xs);
      }
    }

    const floor = median(results.ocirun?.['node -e 0']);
    const how = user ? `rootless, as ${user.name} (uid ${user.uid})` : 'as root';
    console.log(`ocirun benchmark: /bin/true in a busybox bundle, ${how}, ${runs} runs each after ${warmup} warm-up, medians in ms`);
    console.log(`node ${process.version}; runtimes: ${runtimes.join(', ')}; node -e 0 (the floor under every ocirun call): ${fmt(floor)} ms`);
    const header = ['phase', 'ocirun', 'runc', 'crun', 'ocirun/runc', 'ocirun/crun', 'ocirun - floor'];
    const rows = PHASES.filter((p) => !user || !['create+resources', 'update'].includes(p)).map((p) => {
      const [o, r, c] = (['ocirun', 'runc', 'crun'] as Runtime[]).map((rt) => median(results[rt]?.[p]));
      return [p, fmt(o), fmt(r), fmt(c), ratio(o, r), ratio(o, c), o === undefined || floor === undefined ? '-' : fmt(o - floor)];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    for (const r of [header, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
  } finally {
    b.remove();
    limited.remove();
  }
}

main();

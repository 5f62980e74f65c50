// The library benchmark: 100 containers of /bin/true (create, start, wait, delete) in one Node
// process, one at a time and 8 in flight, against a shell loop of `runc run` and `crun run`
// doing the same (`xargs -P8` for 8 in flight), side by side in one run. Prints containers per
// second, ratios, and the peak RSS of the measuring process (for the shell loops: of the
// largest process in the loop, from GNU time's %M). Run as root:
//   node bench/library.ts [--count N] [--only ocirun,runc]
//
// crun 1.8 refuses this machine's hybrid cgroup layout, so its loop runs in a private mount
// namespace with the cgroup2 mount hidden (affects nothing outside).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Factory, spec } from '../ts/index.ts';
import { makeBundle } from '../test/helpers/bundle.ts';

type Runtime = 'ocirun' | 'runc' | 'crun';
interface Result {
  perSecond: number;
  peakRssMiB: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** Runs in a child process, so that each measurement has its own peak RSS. */
async function libraryWorker(bundleDir: string, rootfs: string, count: number, inFlight: number): Promise<Result> {
  const root = mkdtempSync(join(tmpdir(), 'bench-lib-'));
  try {
    const factory = new Factory({ root });
    const config = spec.default().rootfs(rootfs).args('/bin/true').build();
    const one = async (id: string): Promise<void> => {
      const c = await factory.create(id, { bundle: bundleDir, config, stdio: 'ignore' });
      await c.start();
      await c.wait();
      await c.delete();
    };
    for (let i = 0; i < 5; i++) await one(`warm${i}`);
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) await one(`c${next++}`);
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { perSecond: count / seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function library(bundleDir: string, rootfs: string, count: number, inFlight: number): Result {
  const r = spawnSync(process.execPath, [import.meta.filename, '--worker', bundleDir, rootfs, String(count), String(inFlight)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`library worker failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Result;
}

function shellLoop(rt: 'runc' | 'crun', bundleDir: string, count: number, inFlight: number): Result {
  const root = mkdtempSync(join(tmpdir(), `bench-${rt}-`));
  try {
    const run = `${rt} --root ${root} run -b ${bundleDir}`;
    const loop = `seq ${count} | xargs -P${inFlight} -I{} ${run} c{} >/dev/null`;
    // GNU time's %M is the largest maxrss among the processes it waited for, in KiB.
    const timed = `for i in 1 2 3 4 5; do ${run} warm$i; done; start=$(date +%s%N); /usr/bin/time -f '%M' -o ${root}/rss sh -c '${loop}'; end=$(date +%s%N); echo $(( (end - start) / 1000 )) $(cat ${root}/rss)`;
    const script = rt === 'crun' ? `umount /sys/fs/cgroup/unified; ${timed}` : timed;
    const r = spawnSync(rt === 'crun' ? 'unshare' : 'sh', rt === 'crun' ? ['-m', 'sh', '-c', script] : ['-c', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${rt} loop failed: ${r.stderr}`);
    const [micros, rssKiB] = r.stdout.trim().split(/\s+/).map(Number);
    return { perSecond: count / ((micros ?? 1) / 1e6), peakRssMiB: (rssKiB ?? 0) / 1024 };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function installed(rt: Runtime): boolean {
  return rt === 'ocirun' || spawnSync(rt, ['--version']).status === 0;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--worker') {
    const [bundleDir, rootfs, count, inFlight] = process.argv.slice(3);
    process.stdout.write(JSON.stringify(await libraryWorker(bundleDir ?? '', rootfs ?? '', Number(count), Number(inFlight))));
    return;
  }
  const count = Number(arg('--count', '100'));
  const only = arg('--only', '');
  const runtimes = (['ocirun', 'runc', 'crun'] as Runtime[]).filter((rt) => (!only || only.split(',').includes(rt)) && installed(rt));
  const b = makeBundle(['/bin/true']);
  // crun 1.8 knows runtime-spec versions up to 1.0.x; the bundle uses nothing newer.
  b.write((s) => (s.ociVersion = '1.0.2'));
  try {
    console.log(`ocirun library benchmark: ${count} containers of /bin/true (create, start, wait, delete); node ${process.version}`);
    const header = ['mode', ...runtimes.map((r) => `${r === 'ocirun' ? 'ocirun lib' : `${r} loop`} /s`), ...runtimes.filter((r) => r !== 'ocirun').map((r) => `ocirun/${r}`), ...runtimes.map((r) => `${r} peak RSS MiB`)];
    const rows: string[][] = [];
    for (const inFlight of [1, 8]) {
      const results = new Map<Runtime, Result>();
      for (const rt of runtimes) {
        results.set(rt, rt === 'ocirun' ? library(b.dir, b.rootfs, count, inFlight) : shellLoop(rt, b.dir, count, inFlight));
      }
      const lib = results.get('ocirun');
      rows.push([
        inFlight === 1 ? 'sequential' : `${inFlight} in flight`,
        ...runtimes.map((r) => (results.get(r)?.perSecond ?? 0).toFixed(1)),
        ...runtimes.filter((r) => r !== 'ocirun').map((r) => (lib ? `${(lib.perSecond / (results.get(r)?.perSecond ?? 1)).toFixed(2)}x` : '-')),
        ...runtimes.map((r) => (results.get(r)?.peakRssMiB ?? 0).toFixed(1)),
      ]);
    }
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    for (const r of [header, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
  } finally {
    b.remove();
  }
}

await main();

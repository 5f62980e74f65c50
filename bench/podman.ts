// podman with each runtime: `podman run --rm IMAGE true` timed for ocirun, runc and crun side
// by side in one run (rounds alternate the runtimes), medians and ratios. Run as root:
//   node bench/podman.ts [--runs N]
//
// podman and conmon run with a private configuration (test/helpers/managers.ts). crun 1.8
// refuses this machine's hybrid cgroup layout, so podman calls it through a wrapper that runs
// it in a private mount namespace with the cgroup2 mount hidden.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE, Podman } from '../test/helpers/managers.ts';

const runtimes = ['ocirun', 'runc', 'crun'] as const;
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] ?? 20) || 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-podman-'));
const crunWrapper = join(dir, 'crun');
writeFileSync(crunWrapper, `#!/bin/sh\nexec unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@"\n`);
chmodSync(crunWrapper, 0o755);
const podman = new Podman({ runc: '/usr/bin/runc', crun: crunWrapper });
try {
  const samples: Record<string, number[]> = { ocirun: [], runc: [], crun: [] };
  const rounds = 5;
  for (let round = 0; round < rounds; round++) {
    for (const rt of runtimes) {
      for (let i = 0; i < Math.ceil(runs / rounds) + (round === 0 ? 2 : 0); i++) {
        const t0 = process.hrtime.bigint();
        const r = podman.run(['--runtime', rt, 'run', '--rm', IMAGE, 'true']);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.code !== 0) throw new Error(`${rt}: ${r.stderr}`);
        if (round > 0 || i >= 2) samples[rt]?.push(ms);
      }
    }
  }
  console.log(`podman run --rm ${IMAGE} true, ${runs} runs per runtime, medians in ms (podman ${spawnSync('podman', ['--version'], { encoding: 'utf8' }).stdout.trim()})`);
  const o = median(samples['ocirun'] ?? []);
  for (const rt of runtimes) {
    const m = median(samples[rt] ?? []);
    console.log(`${rt.padEnd(7)} ${m.toFixed(1).padStart(7)}${rt === 'ocirun' ? '' : `   ocirun/${rt} ${(o / m).toFixed(2)}x`}`);
  }
} finally {
  podman.destroy();
  rmSync(dir, { recursive: true, force: true });
}

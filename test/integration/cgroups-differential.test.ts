// The same config under runc and ocirun gives the same cgroup file values. runc is the peer
// (Debian's runc); the test is skipped, saying so, where it is not installed.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { readCgroupFile } from '../helpers/cgroups.ts';
import { Runtime, uniqueId } from '../helpers/cli.ts';
import type { CgroupPaths } from '../../ts/container/state-store.ts';

const hasRunc = spawnSync('runc', ['--version']).status === 0;
const MiB = 1024 * 1024;

let rt: Runtime;
let bundle: TestBundle;
let runcRoot: string;

test.before(() => {
  rt = new Runtime();
  bundle = makeBundle(['sleep', '30']);
  runcRoot = mkdtempSync(join(tmpdir(), 'runc-root-'));
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
  spawnSync('sh', ['-c', `for c in $(runc --root ${runcRoot} list -q); do runc --root ${runcRoot} delete -f $c; done`]);
  rmSync(runcRoot, { recursive: true, force: true });
});

function runcCgroups(id: string): CgroupPaths {
  const state = JSON.parse(readFileSync(join(runcRoot, id, 'state.json'), 'utf8')) as { cgroup_paths: Record<string, string> };
  const v1: Record<string, string> = {};
  let unified: string | undefined;
  for (const [key, dir] of Object.entries(state.cgroup_paths)) {
    if (key === '') unified = dir;
    else v1[key] = dir;
  }
  return { v1, unified: unified ?? null, created: [] };
}

/** (controller, file) pairs a resources block writes on this host's v1 hierarchies. */
const FILES: [string, string][] = [
  ['memory', 'memory.limit_in_bytes'],
  ['memory', 'memory.soft_limit_in_bytes'],
  ['memory', 'memory.memsw.limit_in_bytes'],
  ['memory', 'memory.swappiness'],
  ['cpu', 'cpu.shares'],
  ['cpu', 'cpu.cfs_quota_us'],
  ['cpu', 'cpu.cfs_period_us'],
  ['cpuset', 'cpuset.cpus'],
  ['cpuset', 'cpuset.mems'],
  ['pids', 'pids.max'],
  ['blkio', 'blkio.throttle.read_bps_device'],
  ['blkio', 'blkio.throttle.write_iops_device'],
  ['devices', 'devices.list'],
];

test('the same config gives the same cgroup values under runc and ocirun', (t) => {
  if (!hasRunc) {
    t.log('skipped: runc is not installed');
    t.pass();
    return;
  }
  const loop = statSync('/dev/loop0', { throwIfNoEntry: false });
  const [major, minor] = loop ? [Math.floor(loop.rdev / 256) & 0xfff, loop.rdev & 0xff] : [7, 0];
  bundle.write((s) => {
    // runc 1.1 knows runtime-spec versions up to 1.0.x; nothing newer is used here.
    s.ociVersion = '1.0.2';
    s.linux!.resources = {
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 64 * MiB, reservation: 32 * MiB, swap: 128 * MiB, swappiness: 10 },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
      pids: { limit: 50 },
      blockIO: {
        throttleReadBpsDevice: [{ major, minor, rate: 1048576 }],
        throttleWriteIOPSDevice: [{ major, minor, rate: 100 }],
      },
    };
  });
  const id = uniqueId('diff');
  // The container keeps create's stdio: a file, not a pipe that would stay open.
  const errFile = join(bundle.dir, 'runc-stderr');
  const err = openSync(errFile, 'w');
  // Each runtime its own id: one cgroup path may hold one container.
  const runcId = `${id}-runc`;
  const runc = spawnSync('runc', ['--root', runcRoot, 'create', '-b', bundle.dir, runcId], { stdio: ['ignore', 'ignore', err] });
  closeSync(err);
  t.is(runc.status, 0, readFileSync(errFile, 'utf8'));
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  const ours = rt.record(id).cgroupPaths!;
  const theirs = runcCgroups(runcId);
  for (const [controller, file] of FILES) {
    let want = readCgroupFile(theirs, controller, file);
    const got = readCgroupFile(ours, controller, file);
    if (file === 'devices.list') {
      // runc 1.1 also allows /dev/net/tun (10:200); runc 1.2 dropped it from its defaults,
      // and ocirun allows only the spec's default devices.
      want = want.split('\n').filter((l) => l !== 'c 10:200 rwm').join('\n');
    }
    t.is(got, want, `${controller}/${file}`);
  }
  spawnSync('runc', ['--root', runcRoot, 'delete', '-f', runcId]);
  rt.run(['delete', '--force', id]);
});

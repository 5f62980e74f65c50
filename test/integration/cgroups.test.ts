// Resource control on this host's cgroups for real (v1 controllers, plus the cgroup2 mount of
// the hybrid layout): limits visible and enforced, update, pause and resume, ps, events,
// and nothing left behind.
import test from 'ava';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { cgroupDir, existingCgroupDirs, hasHugepages, readCgroupFile } from '../helpers/cgroups.ts';
import { Runtime, runScript, uniqueId } from '../helpers/cli.ts';
import { waitFor } from '../helpers/procs.ts';
import type { Spec } from '../../ts/spec/types.ts';

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

const MiB = 1024 * 1024;

function createRunning(args: string[], edit?: (s: Spec) => void): string {
  bundle.write((s) => {
    s.process!.args = args;
    edit?.(s);
  });
  const id = uniqueId('cg');
  const c = rt.run(['create', '-b', bundle.dir, id]);
  if (c.code !== 0) throw new Error(c.stderr);
  const s = rt.run(['start', id]);
  if (s.code !== 0) throw new Error(s.stderr);
  return id;
}

test.serial('limits are written to the cgroup files and the container sees them', (t) => {
  const r = runScript(
    rt,
    bundle,
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us; grep Cpus_allowed_list /proc/self/status',
    (s) => {
      s.linux!.resources = {
        memory: { limit: 64 * MiB },
        pids: { limit: 50 },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
      };
    },
  );
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${64 * MiB}\n50\n512\n50000\nCpus_allowed_list:\t0\n`);
});

test.serial('a fork loop stops at pids.max', (t) => {
  // The subshell forks until the kernel refuses; the shell then gives up on it and waits.
  const id = createRunning(['sh', '-c', 'sleep 60 & (while true; do sleep 60 & done) 2>/dev/null; wait'], (s) => {
    s.linux!.resources = { pids: { limit: 10 } };
  });
  const paths = rt.record(id).cgroupPaths!;
  t.true(waitFor(() => /^max [1-9]/m.test(readCgroupFile(paths, 'pids', 'pids.events'))), 'the kernel refused a fork at the limit');
  const current = Number(readCgroupFile(paths, 'pids', 'pids.current'));
  t.true(current >= 9 && current <= 10, `${current} processes: the limit, less the subshell that gave up`);
  rt.run(['delete', '--force', id]);
});

test.serial('a memory hog is OOM-killed, and events reports the oom', async (t) => {
  const id = createRunning(['sh', '-c', 'sleep 1; tail /dev/zero'], (s) => {
    s.linux!.resources = { memory: { limit: 16 * MiB, swap: 16 * MiB } };
  });
  const events = rt.spawn(['events', '--interval', '200ms', id]);
  let out = '';
  events.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise((resolve) => events.on('exit', resolve));
  t.true(await waitForAsync(() => out.includes('"type":"oom"'), 15_000), out);
  const oom = out.split('\n').find((l) => l.includes('"type":"oom"'));
  t.deepEqual(JSON.parse(oom ?? '{}'), { type: 'oom', id });
  t.true(out.includes('"type":"stats"'));
  t.true(waitFor(() => rt.state(id)['status'] === 'stopped', 10_000));
  await done;
  rt.run(['delete', id]);
});

test.serial('update changes the limits of a running container', (t) => {
  const id = createRunning(['sleep', '30'], (s) => (s.linux!.resources = { memory: { limit: 64 * MiB }, pids: { limit: 20 } }));
  const paths = rt.record(id).cgroupPaths!;
  const r = rt.run(['update', '--memory', '100m', '--pids-limit', '30', '--cpu-share', '256', '--cpu-quota', '20000', id]);
  t.is(r.code, 0, r.stderr);
  t.is(readCgroupFile(paths, 'memory', 'memory.limit_in_bytes'), String(100 * MiB));
  t.is(readCgroupFile(paths, 'pids', 'pids.max'), '30');
  t.is(readCgroupFile(paths, 'cpu', 'cpu.shares'), '256');
  t.is(readCgroupFile(paths, 'cpu', 'cpu.cfs_quota_us'), '20000');
  t.like(rt.record(id).resources, { memory: { limit: 100 * MiB }, pids: { limit: 30 } });
  const fromJson = rt.run(['update', '-r', '-', id], { input: JSON.stringify({ memory: { reservation: 32 * MiB }, cpu: { cpus: '1' } }) });
  t.is(fromJson.code, 0, fromJson.stderr);
  t.is(readCgroupFile(paths, 'memory', 'memory.soft_limit_in_bytes'), String(32 * MiB));
  t.is(readCgroupFile(paths, 'cpuset', 'cpuset.cpus'), '1');
  t.is(readCgroupFile(paths, 'memory', 'memory.limit_in_bytes'), String(100 * MiB), 'what the update leaves out stays');
  rt.run(['delete', '--force', id]);
});

test.serial('update refuses bad values and changes nothing', (t) => {
  const id = createRunning(['sleep', '30'], (s) => (s.linux!.resources = { memory: { limit: 64 * MiB } }));
  const paths = rt.record(id).cgroupPaths!;
  const fromJson = rt.run(['--log', join(bundle.dir, 'log'), 'update', '-r', '-', id], { input: '{"memory":{"limit":-5}}' });
  t.is(fromJson.code, 1);
  t.regex(fromJson.stderr, /memory\.limit: -5 is not a valid limit/);
  const log = join(bundle.dir, 'log');
  for (const [args, message] of [
    [['--memory', '-5'], /--memory: invalid size "-5"/],
    [['--cpuset-cpus', '0-99'], /cpu\.cpus: CPU \d+ does not exist on this host/],
    [['--memory', '10m', '--memory-swap', '5m'], /memory\.swap: memory\+swap limit .* is below the memory limit/],
    [['--memory', 'lots'], /--memory: invalid size "lots"/],
  ] as const) {
    const r = rt.run(['--log', log, 'update', ...args, id]);
    t.is(r.code, 1);
    t.regex(r.stderr, message);
  }
  t.is(readCgroupFile(paths, 'memory', 'memory.limit_in_bytes'), String(64 * MiB));
  rt.run(['delete', '--force', id]);
});

test.serial('pause freezes the container and resume thaws it', async (t) => {
  const counter = join(bundle.rootfs, 'tmp', 'counter');
  rmSync(counter, { force: true });
  const id = createRunning(['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.02; done'], (s) => {
    s.root!.readonly = false;
  });
  const read = () => Number(readFileSync(counter, 'utf8').trim() || 0);
  t.true(waitFor(() => existsSync(counter) && read() > 2));
  t.is(rt.run(['pause', id]).code, 0);
  t.is(rt.state(id)['status'], 'paused');
  const frozenAt = read();
  await sleep(300);
  t.is(read(), frozenAt, 'the counter stops while paused');
  t.regex(rt.run(['pause', id]).stderr, /container already paused/);
  t.is(rt.run(['resume', id]).code, 0);
  t.is(rt.state(id)['status'], 'running');
  t.true(waitFor(() => read() > frozenAt + 2), 'the counter goes on after resume');
  t.regex(rt.run(['resume', id]).stderr, /container not paused/);
  t.is(rt.run(['delete', '--force', id]).code, 0);
});

test.serial('a paused container can be killed and deleted', (t) => {
  const id = createRunning(['sleep', '30']);
  rt.run(['pause', id]);
  t.is(rt.run(['delete', '--force', id]).code, 0);
  t.is(rt.run(['state', id]).code, 1);
});

test.serial('ps lists the processes of the container, as a table or JSON', (t) => {
  const id = createRunning(['sh', '-c', 'sleep 30 & sleep 30']);
  t.true(waitFor(() => (JSON.parse(rt.run(['ps', '-f', 'json', id]).stdout || '[]') as number[]).length >= 2));
  const pids = JSON.parse(rt.run(['ps', '--format', 'json', id]).stdout) as number[];
  t.true(pids.includes(Number(rt.state(id)['pid'])));
  const table = rt.run(['ps', id]).stdout.trim().split('\n');
  t.regex(table[0] ?? '', /PID/);
  t.is(table.length - 1, pids.length);
  t.true(table.slice(1).every((l) => l.includes('sleep 30') || l.includes('sh -c')));
  const custom = rt.run(['ps', id, '-o', 'pid,comm']).stdout.trim().split('\n');
  t.regex(custom[0] ?? '', /PID\s+COMMAND/);
  rt.run(['delete', '--force', id]);
});

test.serial('events --stats prints one stats event in runc shape', (t) => {
  const id = createRunning(['sleep', '30'], (s) => (s.linux!.resources = { memory: { limit: 64 * MiB }, pids: { limit: 20 } }));
  const r = rt.run(['events', '--stats', id]);
  t.is(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout) as { type: string; id: string; data: { memory: { usage: { limit: number } }; pids: { current: number; limit: number } } };
  t.is(e.type, 'stats');
  t.is(e.id, id);
  t.is(e.data.memory.usage.limit, 64 * MiB);
  t.deepEqual(e.data.pids, { current: 1, limit: 20 });
  rt.run(['delete', '--force', id]);
});

test.serial('kill --all signals every process through the cgroup, outside a PID namespace too', (t) => {
  const id = createRunning(['sh', '-c', 'sleep 30 & sleep 30 & wait'], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
  });
  const paths = rt.record(id).cgroupPaths!;
  t.true(waitFor(() => readCgroupFile(paths, 'pids', 'cgroup.procs').split('\n').length >= 3));
  t.is(rt.run(['kill', '--all', id, 'KILL']).code, 0);
  t.true(waitFor(() => readCgroupFile(paths, 'pids', 'cgroup.procs') === ''), 'no process is left in the cgroup');
  rt.run(['delete', id]);
});

test.serial('the device cgroup allows only the default devices and the configured ones', (t) => {
  // A loop device: it exists and opens for reading, so that only the cgroup can refuse it.
  const disk = statSync('/dev/loop0', { throwIfNoEntry: false });
  if (!disk) {
    t.log('skipped: this host has no /dev/loop0');
    t.pass();
    return;
  }
  const [major, minor] = [Math.floor(disk.rdev / 256) & 0xfff, (disk.rdev & 0xff) | ((disk.rdev >> 12) & 0xfff00)];
  const script = `mknod /tmp/disk b ${major} ${minor}; (: < /dev/null) && echo null-ok; (: < /tmp/disk) 2>&1 | grep -c "Operation not permitted"`;
  const caps = ['CAP_MKNOD', 'CAP_DAC_OVERRIDE'];
  const edit = (s: Spec) => {
    s.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' });
    s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
  };
  t.is(runScript(rt, bundle, script, edit).stdout, 'null-ok\n1\n', 'the disk is refused');
  const allowed = runScript(rt, bundle, script, (s) => {
    edit(s);
    s.linux!.resources = { devices: [{ allow: true, type: 'b', major, minor, access: 'r' }] };
  });
  t.is(allowed.stdout, 'null-ok\n0\n', 'a rule allowing the disk lets it be opened');
});

test.serial('hugepage limits go to the cgroup2 hierarchy of this hybrid host', (t) => {
  if (!hasHugepages(2048)) {
    t.log('skipped: this host has no 2 MB huge pages');
    t.pass();
    return;
  }
  const id = createRunning(['sleep', '30'], (s) => (s.linux!.resources = { hugepageLimits: [{ pageSize: '2MB', limit: 4 * MiB }] }));
  const paths = rt.record(id).cgroupPaths!;
  t.is(readCgroupFile(paths, '', 'hugetlb.2MB.max'), String(4 * MiB));
  rt.run(['delete', '--force', id]);
});

test.serial('delete removes every cgroup the container made', (t) => {
  const id = createRunning(['sleep', '30'], (s) => (s.linux!.resources = { memory: { limit: 64 * MiB } }));
  const paths = rt.record(id).cgroupPaths!;
  t.true(existingCgroupDirs(paths).length >= 2);
  t.is(rt.run(['delete', '--force', id]).code, 0);
  t.deepEqual(existingCgroupDirs(paths), []);
});

test.serial('an absolute cgroupsPath is honoured, and its parents removed with it', (t) => {
  const parent = `ocirun-test-${process.pid}`;
  const id = createRunning(['sleep', '30'], (s) => (s.linux!.cgroupsPath = `/${parent}/c1`));
  const paths = rt.record(id).cgroupPaths!;
  t.is(cgroupDir(paths, 'pids'), `/sys/fs/cgroup/pids/${parent}/c1`);
  t.is(rt.run(['delete', '--force', id]).code, 0);
  t.false(existsSync(`/sys/fs/cgroup/pids/${parent}`));
});

test.serial('a create the kernel refuses removes the cgroups it made', (t) => {
  bundle.write((s) => {
    s.process!.args = ['true'];
    // More real-time runtime than the root cgroup's budget: only the kernel knows.
    s.linux!.resources = { cpu: { realtimePeriod: 1000000, realtimeRuntime: 999999 } };
  });
  const id = uniqueId('cg');
  const r = rt.run(['create', '-b', bundle.dir, id]);
  t.is(r.code, 1);
  t.regex(r.stderr, /cpu\.rt_runtime_us/);
  t.false(existsSync(join(rt.root, id)));
  t.false(existsSync(`/sys/fs/cgroup/cpu/${id}`));
  t.false(existsSync(`/sys/fs/cgroup/pids/${id}`));
});

test.serial('bad resource values are refused before anything exists', (t) => {
  const cases: [(s: Spec) => void, RegExp][] = [
    [(s) => (s.linux!.resources = { memory: { limit: -5 } }), /linux\.resources\.memory\.limit: -5 is not a valid limit/],
    [(s) => (s.linux!.resources = { cpu: { cpus: '0-99' } }), /linux\.resources\.cpu\.cpus: CPU \d+ does not exist on this host/],
    [
      (s) => (s.linux!.resources = { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 99, rate: 1 }] } }),
      /linux\.resources\.blockIO\.throttleReadBpsDevice\[0\]: block device 8:99 does not exist/,
    ],
    [(s) => (s.linux!.resources = { unified: { 'memory.high': '1G' } }), /linux\.resources\.unified\.memory\.high: the memory controller is not available on cgroup v2/],
    [(s) => (s.linux!.resources = { devices: [{ allow: true, type: 'c', access: 'rwx' }] }), /linux\.resources\.devices\[0\]\.access: must match pattern/],
    [(s) => (s.linux!.cgroupsPath = 'system.slice:ocirun:x'), /create failed: linux\.cgroupsPath: "system\.slice:ocirun:x" is in systemd's slice:prefix:name form, which needs the systemd cgroup driver/],
  ];
  for (const [edit, message] of cases) {
    bundle.write(edit);
    const id = uniqueId('bad');
    const r = rt.run(['--log', join(bundle.dir, 'log'), 'create', '-b', bundle.dir, id]);
    t.is(r.code, 1);
    t.regex(r.stderr, message);
    t.false(existsSync(join(rt.root, id)));
    t.false(existsSync(`/sys/fs/cgroup/memory/${id}`) || existsSync(`/sys/fs/cgroup/pids/${id}`));
  }
});

test.serial('--systemd-cgroup without systemd is a clear error', (t) => {
  bundle.write();
  const id = uniqueId('sd');
  const r = rt.run(['--systemd-cgroup', '--log', join(bundle.dir, 'log'), 'create', '-b', bundle.dir, id]);
  t.is(r.code, 1);
  t.is(r.stderr, 'ocirun create failed: --systemd-cgroup: systemd is not running on this host; use the cgroupfs driver\n');
  t.false(existsSync(join(rt.root, id)));
});

test.serial('delete --force cleans a container whose create died after making its cgroups', (t) => {
  const id = createRunning(['sleep', '30']);
  const paths = rt.record(id).cgroupPaths!;
  // What a creator killed right after creating the cgroups leaves: a record with the paths
  // and no init.
  const file = join(rt.root, id, 'state.json');
  const record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  rt.run(['kill', id, 'KILL']);
  t.true(waitFor(() => rt.state(id)['status'] === 'stopped'));
  writeFileSync(file, JSON.stringify({ ...record, phase: 'creating', init: undefined, creator: { pid: 999999999, startTime: 1 } }));
  t.is(rt.run(['delete', '--force', id]).code, 0);
  t.deepEqual(existingCgroupDirs(paths), []);
  t.false(existsSync(join(rt.root, id)));
});

async function waitForAsync(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(50);
  }
  return cond();
}

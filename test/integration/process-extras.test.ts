// The process and linux settings beyond user and capabilities, in real containers: personality,
// I/O priority, scheduler, CPU affinity, memory policy, time offsets, network devices, the
// session keyring, and the clear errors for labels and Intel RDT on a host without them.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { type CliResult, Runtime, runScript, testEnv, uniqueId } from '../helpers/cli.ts';
import { cliPath } from '../helpers/paths.ts';
import type { Spec } from '../../ts/spec/types.ts';

let rt: Runtime;
let bundle: TestBundle;

test.before(() => {
  rt = new Runtime();
  bundle = makeBundle();
  for (const applet of ['uname', 'ionice', 'ip', 'awk']) symlinkSync('busybox', join(bundle.rootfs, 'bin', applet));
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
});

type Edit = (s: Spec) => void;
const sh = (script: string, edit?: Edit) => runScript(rt, bundle, script, edit);

/** `run` of a config that must be refused: the error, and nothing left under the root. */
function refused(t: import('ava').ExecutionContext, edit: Edit): CliResult {
  bundle.write((s) => {
    s.process!.args = ['true'];
    edit(s);
  });
  const id = uniqueId('refused');
  const r = rt.run(['run', '-b', bundle.dir, id]);
  t.is(r.code, 1, r.stdout);
  t.false(existsSync(join(rt.root, id)), 'the state directory is removed');
  t.false(rt.run(['list', '-q']).stdout.split('\n').includes(id));
  return r;
}

/** Fields 19 (nice), 40 (rt_priority) and 41 (policy) of /proc/self/stat, for a comm without spaces. */
const STAT_FIELDS = 'cut -d" " -f19,40,41 /proc/self/stat';

test.serial('LINUX32 personality makes uname report a 32-bit machine', (t) => {
  const r = sh('uname -m', (s) => (s.linux!.personality = { domain: 'LINUX32' }));
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), process.arch === 'x64' ? 'i686' : 'armv8l');
  t.is(sh('uname -m', (s) => (s.linux!.personality = { domain: 'LINUX' })).stdout.trim(), process.arch === 'x64' ? 'x86_64' : 'aarch64');
});

test.serial('personality flags are ignored with a warning, as runc does', (t) => {
  const r = sh('uname -m', (s) => (s.linux!.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] }));
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /level=warning msg=".*linux\.personality\.flags: ignoring unsupported personality flags/);
});

test.serial('ioPriority sets the class and level the program reads back', (t) => {
  t.is(sh('ionice -p $$', (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 })).stdout, 'best-effort: prio 4\n');
  // busybox prints no level for the idle class, which has none.
  t.is(sh('ionice -p $$', (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 })).stdout, 'idle\n');
  // The real-time class needs privileges the init has before it drops them.
  t.is(sh('ionice -p $$', (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: 2 })).stdout, 'realtime: prio 2\n');
});

test.serial('scheduler sets the policy and nice value the program runs with', (t) => {
  const batch = sh(STAT_FIELDS, (s) => (s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7 }));
  t.is(batch.stdout, '7 0 3\n', batch.stderr);
  const idle = sh(STAT_FIELDS, (s) => (s.process!.scheduler = { policy: 'SCHED_IDLE' }));
  t.is(idle.stdout, '0 0 5\n', idle.stderr);
  t.is(sh(STAT_FIELDS).stdout, '0 0 0\n');
});

test.serial('a real-time policy gets its priority, given a real-time budget in its cgroup', (t) => {
  const r = sh(STAT_FIELDS, (s) => {
    s.process!.scheduler = { policy: 'SCHED_RR', priority: 10 };
    s.linux!.resources = { cpu: { realtimeRuntime: 10_000, realtimePeriod: 1_000_000 } };
  });
  t.is(r.stdout, '0 10 2\n', r.stderr);
});

test.serial('a real-time policy in a cgroup without a real-time budget fails with its step and errno', (t) => {
  // Only kernels that group real-time tasks (the cpu controller's rt files) refuse it.
  t.true(existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us'), 'real-time group scheduling on this host');
  const r = sh(STAT_FIELDS, (s) => (s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10 }));
  t.is(r.code, 1);
  t.regex(r.stderr, /set process\.scheduler \(sched_setattr\).*linux\.resources\.cpu\.realtimeRuntime.*: EPERM/);
});

test.serial('scheduler values out of range are refused naming the field', (t) => {
  t.regex(refused(t, (s) => (s.process!.scheduler = { policy: 'SCHED_OTHER', nice: 25 })).stderr, /process\.scheduler\.nice: 25 is out of range -20\.\.19/);
  t.regex(refused(t, (s) => (s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 0 })).stderr, /process\.scheduler\.priority: 0 is out of range 1\.\.99/);
  t.regex(refused(t, (s) => (s.process!.scheduler = { policy: 'SCHED_ISO' })).stderr, /process\.scheduler\.policy: SCHED_ISO is reserved/);
  t.regex(
    refused(t, (s) => (s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 2_000_000, deadline: 1_000_000 })).stderr,
    /process\.scheduler\.deadline: must not be shorter than the runtime/,
  );
});

function onlineCpus(): string {
  return readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
}

/** Runs the CLI pinned to CPU 0 with taskset, as a pinned container manager would. */
function runPinned(args: string[]): CliResult {
  const r = spawnSync('taskset', ['-c', '0', cliPath, ...rt.args(args)], { env: testEnv, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test.serial("the init's CPU affinity is reset to every CPU, not the caller's", (t) => {
  t.not(onlineCpus(), '0', 'this test needs two CPUs');
  bundle.write((s) => (s.process!.args = ['grep', 'Cpus_allowed_list', '/proc/self/status']));
  const r = runPinned(['run', '-b', bundle.dir, uniqueId()]);
  t.is(r.stdout, `Cpus_allowed_list:\t${onlineCpus()}\n`, r.stderr);
});

test.serial("execCPUAffinity is for exec'd processes: the init is not pinned by it", (t) => {
  const r = sh('grep Cpus_allowed_list /proc/self/status', (s) => (s.process!.execCPUAffinity = { initial: '0', final: '0' }));
  t.is(r.stdout, `Cpus_allowed_list:\t${onlineCpus()}\n`, r.stderr);
});

test.serial('execCPUAffinity naming a CPU the host lacks is refused', (t) => {
  const r = refused(t, (s) => (s.process!.execCPUAffinity = { initial: '0', final: '0,4095' }));
  t.regex(r.stderr, /process\.execCPUAffinity\.final: CPU 4095 is not online on this host/);
});

test.serial('memoryPolicy is the policy of the program, visible in numa_maps', (t) => {
  t.true(existsSync('/sys/devices/system/node/node0'), 'this host has NUMA node 0');
  const bind = sh('head -1 /proc/self/numa_maps', (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' }));
  t.regex(bind.stdout, /^[0-9a-f]+ bind:0 /, bind.stderr);
  const interleave = sh('head -1 /proc/self/numa_maps', (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] }));
  t.regex(interleave.stdout, /^[0-9a-f]+ interleave=static:0 /, interleave.stderr);
  t.regex(sh('head -1 /proc/self/numa_maps').stdout, /^[0-9a-f]+ default /);
});

test.serial('memoryPolicy nodes the host lacks, or a mode without nodes, are refused', (t) => {
  const missing = refused(t, (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0,63' }));
  t.regex(missing.stderr, /linux\.memoryPolicy\.nodes: node 63 does not exist on this host/);
  t.regex(refused(t, (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_INTERLEAVE' })).stderr, /linux\.memoryPolicy\.nodes: Interleave needs at least one node/);
});

test.serial('timeOffsets shift the boottime and monotonic clocks of a new time namespace', (t) => {
  const day = 86_400;
  const r = sh('cut -d" " -f1 /proc/uptime; cat /proc/self/timens_offsets', (s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { boottime: { secs: 10 * day }, monotonic: { secs: day, nanosecs: 5 } };
  });
  t.is(r.code, 0, r.stderr);
  const hostUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const uptime = Number(r.stdout.split('\n')[0]);
  t.regex(r.stdout, /^monotonic +86400 +5$/m);
  t.regex(r.stdout, /^boottime +864000 +0$/m);
  t.true(uptime >= 10 * day && uptime - 10 * day <= hostUptime + 60, `uptime ${uptime}, host ${hostUptime}`);
});

test.serial('timeOffsets without a new time namespace, or for another clock, are refused', (t) => {
  t.regex(refused(t, (s) => (s.linux!.timeOffsets = { boottime: { secs: 1 } })).stderr, /linux\.timeOffsets: needs a time namespace/);
  const realtime = refused(t, (s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { realtime: { secs: 1 } };
  });
  t.regex(realtime.stderr, /linux\.timeOffsets\.realtime: only the monotonic and boottime clocks/);
});

/**
 * A host interface with an address: one end of a veth pair (this kernel has no dummy driver),
 * removed afterwards if it is still there.
 */
function withVeth(t: import('ava').ExecutionContext, name: string, address: string): void {
  const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
  t.teardown(() => void ip('link', 'del', name));
  t.is(ip('link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`).status, 0, `ip link add ${name}`);
  t.is(ip('addr', 'add', address, 'dev', name).status, 0);
}

const hostLink = (name: string) => spawnSync('ip', ['-o', 'addr', 'show', 'dev', name], { encoding: 'utf8' });

test.serial('a host interface moves into the container under its new name, with its address, up', async (t) => {
  const host = `ocxd${process.pid % 100000}`;
  withVeth(t, host, '10.231.7.2/24');
  const r = sh('ls /sys/class/net; ip -o -4 addr show dev ctr0 | awk \'{print $4}\'; cat /sys/class/net/ctr0/flags', (s) => {
    s.linux!.netDevices = { [host]: { name: 'ctr0' } };
  });
  t.is(r.code, 0, r.stderr);
  const [ls, addr, flags] = [r.stdout.split('\n').slice(0, 2).join(' '), r.stdout.split('\n')[2], r.stdout.split('\n')[3] ?? ''];
  t.is(ls, 'ctr0 lo');
  t.is(addr, '10.231.7.2/24');
  t.is(Number.parseInt(flags, 16) & 1, 1, 'IFF_UP');
  t.not(hostLink(host).status, 0, 'the moved end is not on the host');
  // A virtual device goes with its network namespace, the veth pair with it; the kernel tears
  // the namespace down asynchronously, so allow it a few seconds.
  const deadline = Date.now() + 10_000;
  while (hostLink(`${host}p`).status === 0 && Date.now() < deadline) await setTimeout(100);
  t.not(hostLink(`${host}p`).status, 0, 'the peer went with the namespace');
});

test.serial('an interface that does not exist is refused before anything starts', (t) => {
  const r = refused(t, (s) => (s.linux!.netDevices = { ocxnosuch0: {} }));
  t.regex(r.stderr, /linux\.netDevices\.ocxnosuch0: no network interface of that name on the host/);
});

test.serial('a device that cannot be moved undoes the moves before it', (t) => {
  const [a, b] = [`ocxa${process.pid % 100000}`, `ocxb${process.pid % 100000}`];
  withVeth(t, a, '10.231.8.2/24');
  withVeth(t, b, '10.231.9.2/24');
  // "lo" exists in every network namespace, so the second move fails (EEXIST).
  const r = refused(t, (s) => (s.linux!.netDevices = { [a]: { name: 'eth7' }, [b]: { name: 'lo' } }));
  t.regex(r.stderr, new RegExp(`linux\\.netDevices\\.${b}: move it into the container's network namespace as \\\\"lo\\\\": EEXIST`));
  t.regex(hostLink(a).stdout, /inet 10\.231\.8\.2\/24/, 'the first device is back on the host with its address');
  t.regex(hostLink(b).stdout, /inet 10\.231\.9\.2\/24/);
});

test.serial('netDevices without a network namespace are refused', (t) => {
  const r = refused(t, (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
    s.linux!.netDevices = { lo: {} };
  });
  t.regex(r.stderr, /linux\.netDevices: unable to move network devices without a private network namespace/);
});

const unmaskKeys: Edit = (s) => (s.linux!.maskedPaths = s.linux!.maskedPaths!.filter((p) => p !== '/proc/keys'));

test.serial('each container joins a session keyring of its own, named as runc names it', (t) => {
  const id = uniqueId('keys');
  bundle.write((s) => {
    s.process!.args = ['cat', '/proc/keys'];
    unmaskKeys(s);
  });
  const r = rt.run(['run', '-b', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.endsWith(` keyring   _ses.${id}: empty`));
  t.truthy(line, r.stdout);
  // Searchable by its owner, as runc makes it (KEY_USR_SEARCH).
  const perm = Number.parseInt(/ perm ([0-9a-f]{8}) /.exec(line ?? '')?.[1] ?? '0', 16);
  t.is(perm & 0x0008_0000, 0x0008_0000);
});

test.serial('with --no-new-keyring the session keyring is inherited', (t) => {
  const id = uniqueId('keys');
  bundle.write((s) => {
    s.process!.args = ['cat', '/proc/keys'];
    unmaskKeys(s);
  });
  const r = rt.run(['run', '--no-new-keyring', '-b', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stdout, new RegExp(`_ses\\.${id}`));
  t.regex(r.stdout, / keyring /, '/proc/keys is readable, so the absence means something');
});

test.serial('an AppArmor profile on a host without AppArmor is a clear error', (t) => {
  t.false(existsSync('/sys/module/apparmor/parameters/enabled') && readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y'));
  const r = refused(t, (s) => (s.process!.apparmorProfile = 'docker-default'));
  t.regex(r.stderr, /process\.apparmorProfile: AppArmor is not enabled on this host/);
});

test.serial('SELinux labels on a host without SELinux are a clear error', (t) => {
  t.false(existsSync('/sys/fs/selinux/enforce'));
  t.regex(refused(t, (s) => (s.process!.selinuxLabel = 'system_u:system_r:container_t:s0')).stderr, /process\.selinuxLabel: SELinux is disabled or not supported/);
  t.regex(refused(t, (s) => (s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0')).stderr, /linux\.mountLabel: SELinux is disabled or not supported/);
});

test.serial('Intel RDT on a host without resctrl is a clear error', (t) => {
  t.false(readFileSync('/proc/self/mountinfo', 'utf8').includes(' - resctrl '));
  const r = refused(t, (s) => (s.linux!.intelRdt = { closID: 'gold', l3CacheSchema: 'L3:0=f' }));
  t.regex(r.stderr, /linux\.intelRdt: Intel RDT is not enabled on this host \(no resctrl filesystem is mounted\)/);
});

// The semantic checks beyond the schema.
import test from 'ava';
import { ConfigError } from '../../../ts/errors.ts';
import { checkSpec, sysctlNamespace } from '../../../ts/spec/checks.ts';
import { defaultSpec } from '../../../ts/spec/defaults.ts';
import type { Spec } from '../../../ts/spec/types.ts';

function spec(edit: (s: Spec) => void): Spec {
  const s = defaultSpec();
  s.process!.terminal = false;
  edit(s);
  return s;
}

test('the default spec, without a terminal, passes', (t) => {
  t.is(checkSpec(spec(() => {})), null);
});

test('a namespace listed twice is refused', (t) => {
  const err = checkSpec(spec((s) => s.linux!.namespaces!.push({ type: 'pid' })));
  t.true(err instanceof ConfigError);
  t.is((err as ConfigError).field, 'linux.namespaces[5]');
});

test('a mount namespace is required', (t) => {
  const err = checkSpec(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount'))));
  t.is((err as ConfigError).field, 'linux.namespaces');
});

test('a hostname needs a UTS namespace', (t) => {
  const err = checkSpec(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts'))));
  t.is((err as ConfigError).field, 'hostname');
});

test('sysctls must belong to a namespace the container has', (t) => {
  t.is(sysctlNamespace('net.ipv4.ip_forward'), 'network');
  t.is(sysctlNamespace('fs.mqueue.msg_max'), 'ipc');
  t.is(sysctlNamespace('vm.swappiness'), null);
  const host = checkSpec(spec((s) => (s.linux!.sysctl = { 'vm.swappiness': '10' })));
  t.regex(host?.message ?? '', /linux\.sysctl\.vm\.swappiness: is not namespaced/);
  const noNet = checkSpec(
    spec((s) => {
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
    }),
  );
  t.regex(noNet?.message ?? '', /needs a network namespace/);
});

test('rlimits must be known, unique and soft <= hard', (t) => {
  t.regex(checkSpec(spec((s) => s.process!.rlimits!.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 })))?.message ?? '', /listed twice/);
  t.regex(checkSpec(spec((s) => (s.process!.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }])))?.message ?? '', /unknown rlimit/);
  t.regex(checkSpec(spec((s) => (s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 2, hard: 1 }])))?.message ?? '', /above the hard/);
});

test('a process with no args is refused', (t) => {
  t.is((checkSpec(spec((s) => delete s.process!.args)) as ConfigError).field, 'process.args');
});

const MOUNT_MAP = [{ containerID: 1000, hostID: 0, size: 1 }];

test('an idmapped bind with both maps of its own is accepted', (t) => {
  t.is(checkSpec(spec((s) => s.mounts!.push({ destination: '/x', source: '/tmp', options: ['bind', 'idmap'], uidMappings: MOUNT_MAP, gidMappings: MOUNT_MAP }))), null);
});

test('an idmapped mount must be a bind', (t) => {
  const r = checkSpec(spec((s) => s.mounts!.push({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['idmap'], uidMappings: MOUNT_MAP, gidMappings: MOUNT_MAP })));
  t.regex((r as ConfigError).field, /^mounts\[\d+\]\.options$/);
});

test('a mount\'s uidMappings needs its gidMappings', (t) => {
  const r = checkSpec(spec((s) => s.mounts!.push({ destination: '/x', source: '/tmp', options: ['rbind'], uidMappings: MOUNT_MAP })));
  t.regex((r as ConfigError).field, /^mounts\[\d+\]\.gidMappings$/);
});

test('idmap without maps needs a user namespace for the container', (t) => {
  const r = checkSpec(spec((s) => s.mounts!.push({ destination: '/x', source: '/tmp', options: ['bind', 'ridmap'] })));
  t.regex(r?.message ?? '', /no user namespace/);
});

test('a mount\'s maps follow the kernel\'s rules for ranges', (t) => {
  const overlapping = [...MOUNT_MAP, { containerID: 1000, hostID: 5, size: 1 }];
  const r = checkSpec(spec((s) => s.mounts!.push({ destination: '/x', source: '/tmp', options: ['bind'], uidMappings: overlapping, gidMappings: MOUNT_MAP })));
  t.regex(r?.message ?? '', /mounts\[\d+\]\.uidMappings\[1\]: overlaps/);
});

test('a new user namespace needs both id maps, and maps need a new user namespace', (t) => {
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  t.is(checkSpec(spec((s) => ((s.linux!.namespaces!.push({ type: 'user' }), (s.linux!.uidMappings = map), (s.linux!.gidMappings = map))))), null);
  t.is((checkSpec(spec((s) => ((s.linux!.namespaces!.push({ type: 'user' }), (s.linux!.uidMappings = map))))) as ConfigError).field, 'linux.gidMappings');
  t.is((checkSpec(spec((s) => (s.linux!.uidMappings = map))) as ConfigError).field, 'linux.uidMappings');
  const joined = checkSpec(spec((s) => ((s.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' }), (s.linux!.uidMappings = map)))));
  t.regex(joined?.message ?? '', /joined by path/);
});

test('id maps must map container root, without overlaps or empty ranges', (t) => {
  const withMaps = (uid: { containerID: number; hostID: number; size: number }[]) =>
    checkSpec(spec((s) => ((s.linux!.namespaces!.push({ type: 'user' }), (s.linux!.uidMappings = uid), (s.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }])))));
  t.regex(withMaps([{ containerID: 1, hostID: 100000, size: 10 }])?.message ?? '', /must map container id 0/);
  t.is((withMaps([{ containerID: 0, hostID: 1, size: 10 }, { containerID: 5, hostID: 100, size: 10 }]) as ConfigError).field, 'linux.uidMappings[1]');
  t.is((withMaps([{ containerID: 0, hostID: 1, size: 0 }]) as ConfigError).field, 'linux.uidMappings[0].size');
});

test('a terminal passes the checks', (t) => {
  t.is(checkSpec(spec((s) => (s.process!.terminal = true))), null);
});

test('hooks are accepted; a NUL byte in one is refused with its field', (t) => {
  const hook = { path: '/bin/true', args: ['true'], env: ['A=1'], timeout: 5 };
  const kinds = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
  t.is(checkSpec(spec((s) => (s.hooks = Object.fromEntries(kinds.map((k) => [k, [hook]]))))), null);
  const err = checkSpec(spec((s) => (s.hooks = { poststop: [hook, { ...hook, env: ['A=1', 'B=\0'] }] })));
  t.true(err instanceof ConfigError);
  t.is((err as ConfigError).field, 'hooks.poststop[1].env[1]');
  t.is((checkSpec(spec((s) => (s.hooks = { prestart: [{ path: '/bin/\0' }] }))) as ConfigError).field, 'hooks.prestart[0].path');
});

test('process and linux settings checked against the host pass the schema-level checks', (t) => {
  const s = spec((s) => {
    s.process!.apparmorProfile = 'docker-default';
    s.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
    s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 5 };
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
    s.process!.execCPUAffinity = { initial: '0', final: '0-1' };
    s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
    s.linux!.personality = { domain: 'LINUX32' };
    s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' };
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { boottime: { secs: 3600 } };
    s.linux!.netDevices = { dummy0: { name: 'eth1' } };
    s.linux!.intelRdt = { closID: 'gold' };
  });
  t.is(checkSpec(s), null);
});

test('seccomp: an errno on an action that takes none names the field', (t) => {
  const e = checkSpec(spec((s) => (s.linux!.seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }, { names: ['getppid'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }],
  }))) as ConfigError;
  t.is(e.field, 'linux.seccomp.syscalls[1].errnoRet');
  t.regex(e.message, /SCMP_ACT_ALLOW takes no errno/);
  const d = checkSpec(spec((s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 1 }))) as ConfigError;
  t.is(d.field, 'linux.seccomp.defaultErrnoRet');
});

test('seccomp: SCMP_ACT_NOTIFY needs listenerPath, and listenerMetadata needs it too', (t) => {
  const notify = checkSpec(spec((s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_NOTIFY' }] })));
  t.is((notify as ConfigError).field, 'linux.seccomp.listenerPath');
  const meta = checkSpec(spec((s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'm' })));
  t.is((meta as ConfigError).field, 'linux.seccomp.listenerMetadata');
  const dflt = checkSpec(spec((s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/l' })));
  t.is((dflt as ConfigError).field, 'linux.seccomp.defaultAction');
});

test('seccomp: a consistent profile passes', (t) => {
  t.is(checkSpec(spec((s) => (s.linux!.seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    listenerPath: '/run/agent.sock',
    listenerMetadata: 'm',
    syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_NOTIFY' }, { names: ['getppid'], action: 'SCMP_ACT_TRACE', errnoRet: 2 }],
  }))), null);
});

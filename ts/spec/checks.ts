// Checks a schema cannot express, as a list of small functions in the manner of runc's
// validator: each returns the first problem it finds. Some only warn.
import { ConfigError, type OciRunError } from '../errors.ts';
import type { IdMapping, NamespaceType, Spec } from './types.ts';

type Check = (spec: Spec) => OciRunError | null;

function hasNamespace(spec: Spec, type: NamespaceType): boolean {
  return (spec.linux?.namespaces ?? []).some((n) => n.type === type);
}

const rootIsRequired: Check = (spec) => (spec.root ? null : new ConfigError('root', 'is required on Linux'));

const processIsRequired: Check = (spec) => {
  if (!spec.process) return new ConfigError('process', 'is required to create a container');
  if (!spec.process.args?.length) return new ConfigError('process.args', 'must name the program to run');
  return null;
};

const namespacesAreUnique: Check = (spec) => {
  const seen = new Set<string>();
  for (const [i, n] of (spec.linux?.namespaces ?? []).entries()) {
    if (seen.has(n.type)) return new ConfigError(`linux.namespaces[${i}]`, `the ${n.type} namespace is listed twice`);
    seen.add(n.type);
  }
  return null;
};

const mountNamespaceIsRequired: Check = (spec) =>
  hasNamespace(spec, 'mount') ? null : new ConfigError('linux.namespaces', 'must include a mount namespace: the root filesystem is set up inside it');

const hostnameNeedsUts: Check = (spec) => {
  for (const field of ['hostname', 'domainname'] as const) {
    if (spec[field] && !hasNamespace(spec, 'uts')) {
      return new ConfigError(field, 'cannot be set without a UTS namespace in linux.namespaces');
    }
  }
  return null;
};

/** The kernel's rules for one map: at most 340 ranges, none empty, none overlapping another. */
function rangesProblem(field: string, map: readonly IdMapping[]): OciRunError | null {
  if (map.length > 340) return new ConfigError(field, `has ${map.length} ranges; the kernel takes at most 340`);
  for (const [i, m] of map.entries()) {
    if (m.size < 1) return new ConfigError(`${field}[${i}].size`, 'must be at least 1');
    for (const [j, o] of map.entries()) {
      if (j > i && m.containerID < o.containerID + o.size && o.containerID < m.containerID + m.size) {
        return new ConfigError(`${field}[${j}]`, `overlaps ${field}[${i}] in container ids`);
      }
    }
  }
  return null;
}

/**
 * A new user namespace needs both maps (the parent writes them before the init goes on), and
 * maps need a new user namespace to go to (one joined by path has its own), as runc requires.
 * Container root must be mapped: the init becomes root in the namespace to set the container up.
 */
const idMappingsFitUserNamespace: Check = (spec) => {
  const linux = spec.linux ?? {};
  const userns = (linux.namespaces ?? []).find((n) => n.type === 'user');
  const maps = [['uidMappings', linux.uidMappings ?? []], ['gidMappings', linux.gidMappings ?? []]] as const;
  for (const [field, map] of maps) {
    if (map.length && (!userns || userns.path)) {
      return new ConfigError(`linux.${field}`, userns ? 'cannot be given with a user namespace joined by path (it has its own mappings)' : 'needs a new user namespace in linux.namespaces');
    }
    if (userns && !userns.path && !map.length) return new ConfigError(`linux.${field}`, 'is required with a new user namespace');
    const problem = rangesProblem(`linux.${field}`, map);
    if (problem) return problem;
    if (map.length && !map.some((m) => m.containerID === 0)) {
      return new ConfigError(`linux.${field}`, 'must map container id 0: the container is set up as root in its user namespace');
    }
  }
  return null;
};

/**
 * An idmapped mount (idmap, ridmap, or maps on the mount) is a bind whose mapping is the
 * mount's own uidMappings and gidMappings, both given, or else the container's user namespace.
 */
const idmappedMountsAreComplete: Check = (spec) => {
  const joinsMountNs = (spec.linux?.namespaces ?? []).some((n) => n.type === 'mount' && n.path);
  for (const [i, m] of (spec.mounts ?? []).entries()) {
    const options = m.options ?? [];
    const uid = m.uidMappings ?? [];
    const gid = m.gidMappings ?? [];
    if (!options.some((o) => o === 'idmap' || o === 'ridmap') && !uid.length && !gid.length) continue;
    const at = `mounts[${i}]`;
    if (!options.some((o) => o === 'bind' || o === 'rbind') && m.type !== 'bind') {
      return new ConfigError(`${at}.options`, 'an idmapped mount must be a bind mount: add bind or rbind');
    }
    if (uid.length !== 0 && gid.length === 0) return new ConfigError(`${at}.gidMappings`, 'is required with uidMappings');
    if (gid.length !== 0 && uid.length === 0) return new ConfigError(`${at}.uidMappings`, 'is required with gidMappings');
    if (!uid.length && !hasNamespace(spec, 'user')) {
      return new ConfigError(at, 'idmap needs uidMappings and gidMappings on the mount when the container has no user namespace');
    }
    if (joinsMountNs) return new ConfigError(at, 'cannot be idmapped in a mount namespace joined by path');
    const problem = rangesProblem(`${at}.uidMappings`, uid) ?? rangesProblem(`${at}.gidMappings`, gid);
    if (problem) return problem;
  }
  return null;
};

/** Which namespace a sysctl lives in; null for sysctls that are not namespaced at all. */
export function sysctlNamespace(key: string): NamespaceType | null {
  const ipc = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
  if (ipc.includes(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return null;
}

const sysctlsAreNamespaced: Check = (spec) => {
  for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
    const ns = sysctlNamespace(key);
    if (ns === null) return new ConfigError(`linux.sysctl.${key}`, 'is not namespaced: setting it would change the host');
    if (!hasNamespace(spec, ns)) return new ConfigError(`linux.sysctl.${key}`, `needs a ${ns} namespace in linux.namespaces`);
  }
  return null;
};

const RLIMITS = [
  'RLIMIT_CPU', 'RLIMIT_FSIZE', 'RLIMIT_DATA', 'RLIMIT_STACK', 'RLIMIT_CORE', 'RLIMIT_RSS', 'RLIMIT_NPROC', 'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK', 'RLIMIT_AS', 'RLIMIT_LOCKS', 'RLIMIT_SIGPENDING', 'RLIMIT_MSGQUEUE', 'RLIMIT_NICE', 'RLIMIT_RTPRIO', 'RLIMIT_RTTIME',
];

const rlimitsAreKnownAndUnique: Check = (spec) => {
  const seen = new Set<string>();
  for (const [i, r] of (spec.process?.rlimits ?? []).entries()) {
    const where = `process.rlimits[${i}]`;
    if (!RLIMITS.includes(r.type)) return new ConfigError(`${where}.type`, `unknown rlimit ${JSON.stringify(r.type)}`);
    if (seen.has(r.type)) return new ConfigError(where, `${r.type} is listed twice`);
    if (r.soft > r.hard) return new ConfigError(where, `soft limit ${r.soft} is above the hard limit ${r.hard}`);
    seen.add(r.type);
  }
  return null;
};

const devicesAreComplete: Check = (spec) => {
  for (const [i, d] of (spec.linux?.devices ?? []).entries()) {
    if (d.type !== 'p' && (d.major === undefined || d.minor === undefined)) {
      return new ConfigError(`linux.devices[${i}]`, `a device of type ${d.type} needs major and minor numbers`);
    }
  }
  return null;
};

/** The seccomp rules that need no syscall table (the compiler in the launcher checks the rest). */
const seccompIsConsistent: Check = (spec) => {
  const seccomp = spec.linux?.seccomp;
  if (!seccomp) return null;
  const takesErrno = (action: string) => action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE';
  if (seccomp.defaultErrnoRet !== undefined && !takesErrno(seccomp.defaultAction)) {
    return new ConfigError('linux.seccomp.defaultErrnoRet', `${seccomp.defaultAction} takes no errno`);
  }
  if (seccomp.defaultAction === 'SCMP_ACT_NOTIFY') {
    return new ConfigError('linux.seccomp.defaultAction', 'SCMP_ACT_NOTIFY cannot be the default action: the runtime could not hand the listener over');
  }
  for (const [i, rule] of (seccomp.syscalls ?? []).entries()) {
    if (rule.errnoRet !== undefined && !takesErrno(rule.action)) {
      return new ConfigError(`linux.seccomp.syscalls[${i}].errnoRet`, `${rule.action} takes no errno`);
    }
    if (rule.action === 'SCMP_ACT_NOTIFY' && seccomp.listenerPath === undefined) {
      return new ConfigError('linux.seccomp.listenerPath', `is required: linux.seccomp.syscalls[${i}] uses SCMP_ACT_NOTIFY`);
    }
  }
  if (seccomp.listenerMetadata !== undefined && seccomp.listenerPath === undefined) {
    return new ConfigError('linux.seccomp.listenerMetadata', 'must not be set without listenerPath');
  }
  return null;
};

/** Hooks go to execve: a NUL byte cannot be in a path, an argument or an environment entry. */
const hooksAreExecutable: Check = (spec) => {
  for (const [kind, hooks] of Object.entries(spec.hooks ?? {})) {
    for (const [i, hook] of (hooks ?? []).entries()) {
      const fields: [string, string[]][] = [['path', [hook.path]], ['args', hook.args ?? []], ['env', hook.env ?? []]];
      for (const [name, values] of fields) {
        const at = values.findIndex((v) => v.includes('\0'));
        if (at >= 0) return new ConfigError(`hooks.${kind}[${i}].${name}${name === 'path' ? '' : `[${at}]`}`, 'must not contain a NUL byte');
      }
    }
  }
  return null;
};

const CHECKS: Check[] = [
  rootIsRequired,
  processIsRequired,
  namespacesAreUnique,
  mountNamespaceIsRequired,
  hostnameNeedsUts,
  idMappingsFitUserNamespace,
  idmappedMountsAreComplete,
  sysctlsAreNamespaced,
  rlimitsAreKnownAndUnique,
  devicesAreComplete,
  seccompIsConsistent,
  hooksAreExecutable,
];

/** The first problem with a schema-valid config, or null. */
export function checkSpec(spec: Spec): OciRunError | null {
  for (const check of CHECKS) {
    const problem = check(spec);
    if (problem) return problem;
  }
  return null;
}

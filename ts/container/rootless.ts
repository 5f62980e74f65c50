// Rootless mode: ocirun run by an unprivileged user. The container gets cgroups only where
// they are delegated to the user; otherwise it has none, and what only a cgroup can do is
// refused up front, naming the setting, rather than silently ignored.
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { CgroupPaths } from './state-store.ts';
import type { Spec } from '../spec/types.ts';

/**
 * runc's --rootless values: auto (the default) means rootless when not running as root over
 * the host (not root, or root in a user namespace).
 */
export type RootlessMode = 'auto' | 'true' | 'false';

export function isRootless(mode: RootlessMode = 'auto', euid = process.geteuid?.() ?? 0, inUserNs?: boolean): boolean {
  if (mode === 'auto') return !isHostRoot(euid, inUserNs);
  return mode === 'true';
}

/** Root over the host: euid 0 outside any user namespace (uid_map is read only for root). */
export function isHostRoot(euid = process.geteuid?.() ?? 0, inUserNs?: boolean): boolean {
  return euid === 0 && !(inUserNs ?? inUserNamespace());
}

/**
 * True inside a user namespace other than the host's (its uid_map is not the identity over
 * every id): root there, as rootless podman runs its runtime, is nobody to the host's cgroups.
 */
export function inUserNamespace(): boolean {
  try {
    return readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/).join(' ') !== '0 0 4294967295';
  } catch {
    return false;
  }
}

/**
 * Where a rootless caller's container state lives: $XDG_RUNTIME_DIR/ocirun, as runc uses
 * $XDG_RUNTIME_DIR/runc; without it, a directory of the caller's own under /tmp.
 */
export function rootlessRoot(env: NodeJS.ProcessEnv = process.env, euid = process.geteuid?.() ?? 0): string {
  const runtimeDir = env['XDG_RUNTIME_DIR'];
  return runtimeDir ? `${runtimeDir}/ocirun` : `/tmp/ocirun-${euid}`;
}

/** The resource settings a rootless container without a cgroup cannot have, first one first; null if none. */
export function rootlessCgroupProblem(spec: Spec, why = 'ocirun run by an unprivileged user cannot create one'): ConfigError | null {
  const resources = spec.linux?.resources ?? {};
  for (const [key, value] of Object.entries(resources)) {
    // Device rules only narrow what the user namespace already keeps from the container.
    if (key === 'devices' || value === undefined || value === null) continue;
    if (typeof value === 'object' && Object.keys(value).length === 0) continue;
    return new ConfigError(`linux.resources.${key}`, `cannot be applied in rootless mode: the container has no cgroup of its own (${why})`);
  }
  return null;
}

/**
 * The first planned cgroup directory this process may not make (or enter): the nearest one of
 * it or its parents that exists (the plan records the rest as to be created) must be writable
 * by the caller, and so must its cgroup.procs. null: all are delegated.
 */
export function undelegatedDir(paths: CgroupPaths): string | null {
  const created = new Set(paths.created);
  const dirs = [...Object.values(paths.v1), ...(paths.unified ? [paths.unified] : [])];
  for (const dir of dirs) {
    let existing = dir;
    while (created.has(existing)) existing = dirname(existing);
    try {
      accessSync(existing, constants.W_OK);
      accessSync(join(existing, 'cgroup.procs'), constants.W_OK);
    } catch {
      return existing;
    }
  }
  return null;
}

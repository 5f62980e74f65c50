// Rootless mode: ocirun run by an unprivileged user. The container then has no cgroup of its
// own (an unprivileged user cannot make one, as on this host's cgroup v1), so what only a
// cgroup can do is refused up front, naming the setting, rather than silently ignored.
import { ConfigError } from '../errors.ts';
import type { Spec } from '../spec/types.ts';

/** runc's --rootless values: auto (the default) means rootless when not running as root. */
export type RootlessMode = 'auto' | 'true' | 'false';

export function isRootless(mode: RootlessMode = 'auto', euid = process.geteuid?.() ?? 0): boolean {
  if (mode === 'auto') return euid !== 0;
  return mode === 'true';
}

/**
 * Where a rootless caller's container state lives: $XDG_RUNTIME_DIR/ocirun, as runc uses
 * $XDG_RUNTIME_DIR/runc; without it, a directory of the caller's own under /tmp.
 */
export function rootlessRoot(env: NodeJS.ProcessEnv = process.env, euid = process.geteuid?.() ?? 0): string {
  const runtimeDir = env['XDG_RUNTIME_DIR'];
  return runtimeDir ? `${runtimeDir}/ocirun` : `/tmp/ocirun-${euid}`;
}

/** The resource settings a rootless container cannot have, first one first; null if none. */
export function rootlessCgroupProblem(spec: Spec): ConfigError | null {
  const resources = spec.linux?.resources ?? {};
  for (const [key, value] of Object.entries(resources)) {
    // Device rules only narrow what the user namespace already keeps from the container.
    if (key === 'devices' || value === undefined || value === null) continue;
    if (typeof value === 'object' && Object.keys(value).length === 0) continue;
    return new ConfigError(`linux.resources.${key}`, 'cannot be applied in rootless mode: the container has no cgroup of its own (ocirun run by an unprivileged user cannot create one)');
  }
  return null;
}

// Looking at a container's cgroups from the host.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupPaths } from '../../ts/container/state-store.ts';

/** The directory of the v1 hierarchy that has `controller`, or the unified one for "". */
export function cgroupDir(paths: CgroupPaths, controller: string): string | undefined {
  if (controller === '') return paths.unified ?? undefined;
  return Object.entries(paths.v1).find(([key]) => key.split(',').includes(controller))?.[1];
}

export function readCgroupFile(paths: CgroupPaths, controller: string, file: string): string {
  const dir = cgroupDir(paths, controller);
  if (!dir) throw new Error(`no ${controller || 'unified'} cgroup`);
  return readFileSync(join(dir, file), 'utf8').trim();
}

/** Every directory of the container's cgroups that still exists. */
export function existingCgroupDirs(paths: CgroupPaths): string[] {
  return [...Object.values(paths.v1), ...(paths.unified ? [paths.unified] : [])].filter((d) => existsSync(d));
}

/** Whether this host has huge pages of `kb` kilobytes. */
export function hasHugepages(kb: number): boolean {
  return existsSync(`/sys/kernel/mm/hugepages/hugepages-${kb}kB`);
}

/** The cgroup directories a container at the absolute `cgroupsPath` would have. */
export function cgroupDirsAt(cgroupsPath: string): string[] {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => l.split(' ')[4] ?? '');
  return mounts.map((m) => join(m, cgroupsPath)).filter((d) => existsSync(d));
}

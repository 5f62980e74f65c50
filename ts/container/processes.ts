// The processes of a container, for `kill --all`: every process in the init's PID namespace
// when the container has its own, otherwise the init alone.
import { readdirSync, readlinkSync } from 'node:fs';

function pidNamespace(pid: number | 'self'): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

export function containerPids(initPid: number): number[] {
  const ns = pidNamespace(initPid);
  if (!ns || ns === pidNamespace('self')) return [initPid];
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pidNamespace(pid) === ns) pids.push(pid);
  }
  return pids;
}

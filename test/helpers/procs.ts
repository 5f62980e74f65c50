// Looking at processes from the host, and waiting for conditions.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function readLink(p: string): string | null {
  try {
    return readlinkSync(p);
  } catch {
    return null;
  }
}

/** Every process in the PID namespace of `initPid`. */
export function processesIn(initPid: number): number[] {
  const ns = readLink(`/proc/${initPid}/ns/pid`);
  if (!ns) return [];
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && readLink(`/proc/${p}/ns/pid`) === ns)
    .map(Number);
}

/** Whether a process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Pids of every process whose name is `comm`. */
export function pidsNamed(comm: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === comm && isRunning(Number(p));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * The host's mount points below any of `prefixes`, to check that a test left nothing mounted
 * where it worked (other test files running meanwhile mount elsewhere).
 */
export function hostMounts(...prefixes: string[]): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => prefixes.some((p) => m.startsWith(p)));
}

/** Polls `cond` every 20 ms for up to `timeoutMs`; returns its last value. */
export function waitFor(cond: () => boolean, timeoutMs = 5000): boolean {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > end) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** Container inits (still setting up or waiting for start) whose state lives under `root`. */
export function initsUnder(root: string): number[] {
  return pidsNamed('ocirun-init').filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(root);
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

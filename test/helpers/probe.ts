// The seccomp tests' programs (test/probe/*.c), compiled with the system's C compiler once per
// test process: the probe statically, so that it runs in the busybox root filesystem; the agent
// for the host.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './paths.ts';

export interface Probes {
  /** The static probe: `seccomp-probe [-o FILE] CALL...`, one "CALL RESULT ERRNO" line per call. */
  probe: string;
  /** The host-side agent: `seccomp-agent SOCKET STATE_FILE REPLY`. */
  agent: string;
  dir: string;
  /** Copies the probe into a root filesystem as /bin/probe. */
  install(rootfs: string): void;
  remove(): void;
}

export function buildProbes(): Probes {
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-probe-'));
  const src = join(projectRoot, 'test', 'probe');
  const probe = join(dir, 'seccomp-probe');
  const agent = join(dir, 'seccomp-agent');
  execFileSync('cc', ['-static', '-O2', '-Wall', '-o', probe, join(src, 'seccomp-probe.c')]);
  execFileSync('cc', ['-O2', '-Wall', '-o', agent, join(src, 'seccomp-agent.c')]);
  return {
    probe,
    agent,
    dir,
    install: (rootfs) => copyFileSync(probe, join(rootfs, 'bin', 'probe')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface CallResult {
  result: number;
  errno: number;
}

/** The probe's lines, by call. */
export function parseProbe(output: string): Map<string, CallResult> {
  const calls = new Map<string, CallResult>();
  for (const line of output.split('\n').filter(Boolean)) {
    const [call, result, errno] = line.split(' ');
    if (call === undefined || result === undefined || errno === undefined) throw new Error(`not a probe line: ${line}`);
    calls.set(call, { result: Number(result), errno: Number(errno) });
  }
  return calls;
}

/** What a call came to: "ok" or the errno's number, for comparing verdicts. */
export function verdict(r: CallResult | undefined): string {
  if (r === undefined) return 'not run';
  return r.errno === 0 ? 'ok' : `errno ${r.errno}`;
}

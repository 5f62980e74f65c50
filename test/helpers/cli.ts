// Running the ocirun CLI as container managers do: a separate process per call.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRecord } from '../../ts/container/state-store.ts';
import { cliPath, nodeBinDir } from './paths.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const testEnv = { ...process.env, PATH: `${nodeBinDir}:${process.env['PATH'] ?? ''}` };

export interface RunOptions {
  timeout?: number;
  input?: string;
  /** Added to testEnv. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  uid?: number;
  gid?: number;
}

/**
 * Runs `file` and waits for it. Its stdout and stderr are files, not pipes: a created
 * container keeps the stdio it was given, and a pipe would stay open as long as it lives.
 */
export function runToFiles(file: string, args: string[], opts: RunOptions = {}): CliResult {
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-out-'));
  const out = openSync(join(dir, 'stdout'), 'w+');
  const err = openSync(join(dir, 'stderr'), 'w+');
  let stdin: number | 'ignore' = 'ignore';
  if (opts.input !== undefined) {
    writeFileSync(join(dir, 'stdin'), opts.input);
    stdin = openSync(join(dir, 'stdin'), 'r');
  }
  try {
    const r = spawnSync(file, args, {
      env: { ...testEnv, ...opts.env },
      stdio: [stdin, out, err],
      timeout: opts.timeout ?? 60_000,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    return {
      code: r.status ?? -1,
      stdout: readFileSync(join(dir, 'stdout'), 'utf8'),
      stderr: readFileSync(join(dir, 'stderr'), 'utf8'),
    };
  } finally {
    closeSync(out);
    closeSync(err);
    if (typeof stdin === 'number') closeSync(stdin);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A state root of its own, so tests never see each other's containers. */
export class Runtime {
  readonly root: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'ocirun-root-'));
  }

  args(args: string[]): string[] {
    return ['--root', this.root, ...args];
  }

  /** Runs the CLI and waits for it (see runToFiles). */
  run(args: string[], opts: { timeout?: number; input?: string; env?: Record<string, string> } = {}): CliResult {
    return runToFiles(cliPath, this.args(args), opts);
  }

  /** Starts the CLI without waiting (for `run` in the foreground). */
  spawn(args: string[], env: Record<string, string> = {}) {
    return spawn(cliPath, this.args(args), { env: { ...testEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  state(id: string): Record<string, unknown> {
    const r = this.run(['state', id]);
    if (r.code !== 0) throw new Error(`state ${id}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  /** The container's state.json as ocirun keeps it. */
  record(id: string): ContainerRecord {
    return JSON.parse(readFileSync(join(this.root, id, 'state.json'), 'utf8')) as ContainerRecord;
  }

  /** Removes every container and the root itself. */
  destroy(): void {
    for (const id of this.run(['list', '-q']).stdout.split('\n').filter(Boolean)) this.run(['delete', '--force', id]);
    rmSync(this.root, { recursive: true, force: true });
  }
}

let counter = 0;
export function uniqueId(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** Runs `script` with sh in a container of `bundle`, the spec changed by `edit`. */
export function runScript(
  rt: Runtime,
  bundle: { dir: string; write(edit?: (s: import('../../ts/spec/types.ts').Spec) => void): unknown },
  script: string,
  edit?: (s: import('../../ts/spec/types.ts').Spec) => void,
): CliResult {
  bundle.write((s) => {
    s.process!.args = ['sh', '-c', script];
    edit?.(s);
  });
  return rt.run(['run', '-b', bundle.dir, uniqueId()]);
}

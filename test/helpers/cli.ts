// Running the ocirun CLI as container managers do: a separate process per call.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, nodeBinDir } from './paths.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const testEnv = { ...process.env, PATH: `${nodeBinDir}:${process.env['PATH'] ?? ''}` };

/** A state root of its own, so tests never see each other's containers. */
export class Runtime {
  readonly root: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'ocirun-root-'));
  }

  args(args: string[]): string[] {
    return ['--root', this.root, ...args];
  }

  run(args: string[], opts: { input?: string; timeout?: number } = {}): CliResult {
    const r = spawnSync(cliPath, this.args(args), {
      env: testEnv,
      encoding: 'utf8',
      input: opts.input ?? '',
      timeout: opts.timeout ?? 60_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Starts the CLI without waiting (for `run` in the foreground). */
  spawn(args: string[]) {
    return spawn(cliPath, this.args(args), { env: testEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  state(id: string): Record<string, unknown> {
    const r = this.run(['state', id]);
    if (r.code !== 0) throw new Error(`state ${id}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
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

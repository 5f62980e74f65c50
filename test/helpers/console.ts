// A console socket for tests: a receiver process (console-receiver.py) that takes the
// terminal's master over SCM_RIGHTS, types into it and records what it shows.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class ConsoleReceiver {
  readonly path: string;
  readonly #dir: string;
  readonly #child: ChildProcess;
  #out = '';
  readonly ready: Promise<void>;
  readonly closed: Promise<void>;

  /** Listens on a fresh socket; `typed` is written to the terminal once it arrives. */
  constructor(typed = '') {
    this.#dir = mkdtempSync(join(tmpdir(), 'ocirun-console-'));
    this.path = join(this.#dir, 'console.sock');
    this.#child = spawn('python3', [join(import.meta.dirname, 'console-receiver.py'), this.path, typed], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.ready = new Promise((resolve, reject) => {
      this.#child.stdout!.on('data', (d: Buffer) => {
        this.#out += d.toString('utf8');
        if (this.#out.startsWith('ready\n')) resolve();
      });
      this.#child.on('error', reject);
    });
    this.closed = new Promise((resolve) => this.#child.on('exit', () => resolve()));
  }

  /** What the receiver printed: "ready", "received NAME", then what the terminal showed. */
  get output(): string {
    return this.#out;
  }

  /** Waits until the output matches, or `ms` passed. */
  async waitFor(pattern: RegExp, ms = 10_000): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (pattern.test(this.#out)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return pattern.test(this.#out);
  }

  close(): void {
    this.#child.kill('SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

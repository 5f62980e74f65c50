// The two sides of NOTIFY_SOCKET for tests: a receiver standing in for systemd on the host
// (notify-receiver.py), and sd-notify (test/probe/sd-notify.c), a static program that sends
// a message the way a Type=notify service does, to install in a container's root filesystem.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './paths.ts';

export interface Datagram {
  message: string;
  /** Seconds after the receiver was bound. */
  at: number;
}

export class NotifyReceiver {
  readonly path: string;
  readonly #dir: string;
  readonly #child: ChildProcess;
  #out = '';
  readonly ready: Promise<void>;

  /** Binds a fresh socket in a temporary directory, or the abstract `@name` given. */
  constructor(abstractName?: string) {
    this.#dir = mkdtempSync(join(tmpdir(), 'ocirun-notify-'));
    this.path = abstractName ? `@${abstractName}` : join(this.#dir, 'notify.sock');
    this.#child = spawn('python3', [join(import.meta.dirname, 'notify-receiver.py'), this.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.ready = new Promise((resolve, reject) => {
      this.#child.stdout!.on('data', (d: Buffer) => {
        this.#out += d.toString('utf8');
        if (this.#out.startsWith('ready\n')) resolve();
      });
      this.#child.on('error', reject);
    });
  }

  /** The datagrams received so far. */
  get received(): Datagram[] {
    return this.#out
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Datagram);
  }

  /** Waits until `count` datagrams came, or `ms` passed. */
  async waitFor(count: number, ms = 10_000): Promise<Datagram[]> {
    const end = Date.now() + ms;
    while (this.received.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return this.received;
  }

  close(): void {
    this.#child.kill('SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** Compiles sd-notify statically and copies it into `rootfs` as /bin/sd-notify. */
export function installSdNotify(rootfs: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-sd-notify-'));
  try {
    const out = join(dir, 'sd-notify');
    execFileSync('cc', ['-static', '-O2', '-Wall', '-o', out, join(projectRoot, 'test', 'probe', 'sd-notify.c')]);
    copyFileSync(out, join(rootfs, 'bin', 'sd-notify'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

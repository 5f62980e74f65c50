// A process the CLI stays with until it ends (`run` without --detach, `exec` without
// --detach): signals to ocirun go on to it, as runc forwards them, its terminal (when ocirun
// holds the master) is relayed, and ocirun exits with its status.
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Terminal } from '../container/terminal.ts';

/** Signals passed on to the process, as runc does; with a terminal, SIGWINCH resizes it instead. */
const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** How long output still arriving after the process ended is shown before the relay stops. */
const DRAIN_MS = 200;

export interface Foreground {
  signal(sig: number): void;
  wait(): Promise<{ status: number }>;
}

/**
 * The forwarded signals caught from before the process exists until ocirun stays with it: the
 * process may already run (and its output show) before `exec` or `start` returns, and a
 * SIGTERM in that window would otherwise end ocirun by Node's default and leave the process
 * behind. Held signals go on to the process once there is one.
 */
export class HeldSignals {
  readonly #held: number[] = [];
  readonly #handlers = FORWARDED.map((sig) => {
    const h = (): void => void this.#held.push(constants.signals[sig]);
    process.on(sig, h);
    return [sig, h] as const;
  });

  /** Stops holding; returns what came meanwhile, in order. */
  release(): number[] {
    for (const [sig, h] of this.#handlers) process.off(sig, h);
    return this.#held.splice(0);
  }
}

export async function stayWith(target: Foreground, terminal: Terminal | null, held?: HeldSignals): Promise<number> {
  const handlers = FORWARDED.filter((sig) => !(terminal && sig === 'SIGWINCH')).map((sig) => {
    const h = (): void => target.signal(constants.signals[sig]);
    process.on(sig, h);
    return [sig, h] as const;
  });
  for (const sig of held?.release() ?? []) {
    if (!(terminal && sig === constants.signals.SIGWINCH)) target.signal(sig);
  }
  const relay = terminal?.relay();
  try {
    const exit = await target.wait();
    if (relay) {
      // Other holders of the terminal (the exec'd process's children) may keep it open.
      await Promise.race([relay.done, sleep(DRAIN_MS)]);
      relay.stop();
      await relay.done;
    }
    return exit.status;
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
    terminal?.close();
  }
}

// The master side of a container process's pseudoterminal (process.terminal without a console
// socket): this process holds it, and can relay its own stdin and stdout to it, as a
// foreground `run` or `exec` does.
import { closeSync, writeSync } from 'node:fs';
import { native, toError } from '../native/index.ts';

export interface Relay {
  /** Settles when the container side has closed the terminal, or the relay was stopped. */
  done: Promise<void>;
  /** Ends the relay after showing what the container has written so far. */
  stop(): void;
}

export class Terminal {
  /** The master's descriptor, owned by this object until close(). */
  readonly fd: number;
  #closed = false;

  constructor(fd: number) {
    this.fd = fd;
  }

  /** Gives the terminal this process's window size; false when this process has none. */
  resizeFromProcess(): boolean {
    return native().resizeTerminal(this.fd);
  }

  /**
   * Relays this process's stdin to the terminal and the terminal to its stdout, stdin in raw
   * mode when it is a terminal (and put back afterwards), following window size changes.
   */
  relay(): Relay {
    const n = native();
    const stop = n.makePipe();
    const onResize = (): void => void this.resizeFromProcess();
    process.on('SIGWINCH', onResize);
    this.resizeFromProcess();
    let stopped = false;
    const done = n.relayTerminal(this.fd, stop.read).then((failure) => {
      stopped = true;
      process.off('SIGWINCH', onResize);
      closeSync(stop.read);
      closeSync(stop.write);
      if (failure) throw toError(failure);
    });
    return {
      done,
      stop: () => {
        if (stopped) return;
        stopped = true;
        writeSync(stop.write, 'x');
      },
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.fd);
  }
}

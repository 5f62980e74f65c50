// A process started in a running container (exec): its pid, its stdio or terminal, and its
// exit. The process is a child of the process that exec'd it, which alone can wait for it.
import { InvalidStateError } from '../errors.ts';
import { native, toError } from '../native/index.ts';
import { parseSignal } from './signals.ts';
import type { StdioStreams } from './stdio.ts';
import type { Terminal } from './terminal.ts';

export interface ProcessExit {
  /** The exit code, or 128 + the signal number. */
  status: number;
  /** The signal that ended the process, if one did. */
  signal?: number;
}

export class ContainerProcess {
  readonly containerId: string;
  readonly pid: number;
  /** The process's start time (clock ticks after boot): with the pid, it names the process. */
  readonly startTime: number;
  /** The pseudoterminal's master, when the process has a terminal and no console socket took it. */
  readonly terminal: Terminal | null;
  readonly stdin: StdioStreams['stdin'];
  readonly stdout: StdioStreams['stdout'];
  readonly stderr: StdioStreams['stderr'];
  #exit: Promise<ProcessExit> | undefined;

  constructor(containerId: string, pid: number, startTime: number, terminal: Terminal | null, stdio?: StdioStreams) {
    this.containerId = containerId;
    this.pid = pid;
    this.startTime = startTime;
    this.terminal = terminal;
    this.stdin = stdio?.stdin ?? null;
    this.stdout = stdio?.stdout ?? null;
    this.stderr = stdio?.stderr ?? null;
  }

  /** Resolves with how the process ended, and reaps it; holds no thread while it waits. */
  wait(): Promise<ProcessExit> {
    this.#exit ??= (async () => {
      const n = native();
      const res = await n.watchExit(n.nextWatchToken(), this.pid, this.startTime, 'reap');
      if (res.failure) throw toError(res.failure, `wait for process ${this.pid}`);
      const status = res.status ?? -1;
      return res.signal === undefined || res.signal === null ? { status } : { status, signal: res.signal };
    })();
    return this.#exit;
  }

  /** Sends a signal, through a pidfd checked against the start time (no pid-reuse race). */
  kill(signal: number | string = 'SIGTERM'): void {
    const sig = typeof signal === 'number' ? signal : parseSignal(signal);
    const res = native().signalProcess(this.pid, this.startTime, sig);
    if (res.failure) throw toError(res.failure, `signal process ${this.pid}`);
    if (!res.delivered) throw new InvalidStateError(this.containerId, 'exited', 'kill', `process ${this.pid} has exited`);
  }
}

// A container's events as an async iterator: stats every interval, an "oom" whenever the OOM
// killer strikes in the container, and one "exit" when its init exits, which ends the stream.
// Exits and OOM kills come from the addon's watcher thread (no libuv pool thread waits), and
// everything is released when the consumer stops iterating.
import { native, toError } from '../native/index.ts';
import type { ProcessRef } from './state-store.ts';
import type { ContainerStats } from './stats.ts';

export type ContainerEvent =
  | { type: 'stats'; id: string; data: ContainerStats }
  | { type: 'oom'; id: string }
  | { type: 'exit'; id: string; status?: number; signal?: number };

export interface EventsOptions {
  /** Milliseconds between stats events (default 5000). */
  interval?: number;
  /** Whether to emit stats events at all (default true). */
  stats?: boolean;
}

/** What a Container hands the stream. */
export interface EventSource {
  id: string;
  init: ProcessRef | undefined;
  /** The container's recorded cgroups, as the addon takes them. */
  cgroupPaths: string | undefined;
  /** Whether this process created the container: then the exit status can be read. */
  isParent: boolean;
  stats(): Promise<ContainerStats>;
}

export async function* containerEvents(src: EventSource, opts: EventsOptions = {}): AsyncGenerator<ContainerEvent> {
  const n = native();
  const queue: ContainerEvent[] = [];
  let wake: (() => void) | undefined;
  const push = (e: ContainerEvent): void => {
    queue.push(e);
    wake?.();
  };
  const tokens: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  try {
    if (src.init) {
      const token = n.nextWatchToken();
      tokens.push(token);
      // "peek" leaves the init for wait() to reap.
      void n.watchExit(token, src.init.pid, src.init.startTime, src.isParent ? 'peek' : 'observe').then((r) => {
        if (r.outcome !== 'exited') return;
        push({ type: 'exit', id: src.id, ...(r.status == null ? {} : { status: r.status }), ...(r.signal == null ? {} : { signal: r.signal }) });
      });
    }
    if (src.cgroupPaths) {
      const token = n.nextWatchToken();
      const failure = n.watchOom(token, src.cgroupPaths);
      if (failure) throw toError(failure, 'watch for OOM kills');
      tokens.push(token);
      void (async () => {
        while (!stopped) {
          const e = await n.nextOom(token);
          if (e.event !== 'oom') return;
          push({ type: 'oom', id: src.id });
        }
      })();
    }
    if (opts.stats !== false) {
      const interval = opts.interval ?? 5000;
      const tick = async (): Promise<void> => {
        // A container on its way out may have lost its cgroups: its exit event follows.
        const data = await src.stats().catch(() => undefined);
        if (stopped) return;
        if (data) push({ type: 'stats', id: src.id, data });
        timer = setTimeout(() => void tick(), interval);
      };
      void tick();
    }
    for (;;) {
      const e = queue.shift();
      if (e) {
        yield e;
        if (e.type === 'exit') return;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    stopped = true;
    if (timer) clearTimeout(timer);
    for (const t of tokens) n.cancelWatch(t);
  }
}

// NOTIFY_SOCKET passthrough, as runc: start binds the socket the container was told of (in
// the state directory, mounted at /run/notify) before it releases the container, then passes
// the container's READY= on to the caller's socket, and MAINPID=<init> with it, so that a
// systemd unit of Type=notify running ocirun watches the container's process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SystemError } from '../errors.ts';
import type { Logger } from '../log/index.ts';
import { native, toError } from '../native/index.ts';
import type { NotifyListener } from '../native/binding.js';
import type { BlockingOps } from '../native/ops.ts';
import type { ProcessRef } from './state-store.ts';

export interface ReadyRelay {
  /** Waits for READY= (or the container's exit) and passes it on. */
  pass(init: ProcessRef, opts: { wait: boolean }): Promise<void>;
  /** Gives up (the start failed). */
  close(): void;
}

/**
 * Binds the container's notify socket, or returns undefined when the container was created
 * without one (then there is nothing in it to send to: runc would fail, ocirun says so and
 * starts the container anyway).
 */
export function listenForReady(stateDir: string, host: string, ops: BlockingOps, log: Logger): ReadyRelay | undefined {
  if (!existsSync(join(stateDir, 'notify'))) {
    log.warn('NOTIFY_SOCKET is set, but the container was created without it: READY= is not passed on');
    return undefined;
  }
  const bound = native().notifyListen(stateDir);
  if (bound.failure) throw toError(bound.failure);
  if (!bound.listener) throw new SystemError('ENOTIFY', undefined, 'NOTIFY_SOCKET: no socket was bound');
  const listener: NotifyListener = bound.listener;
  return {
    async pass(init, { wait }) {
      if (!wait) {
        // In the foreground, ocirun itself is the unit's main process: READY= only, and in
        // the background, while run stays with the container.
        void listener.relay(host, init.pid, init.startTime, false).then((r) => {
          if (r.failure) log.warn(toError(r.failure).message);
        });
        return;
      }
      const r = await ops.notifyRelay(listener, host, init.pid, init.startTime);
      if (r.failure) throw toError(r.failure);
    },
    close: () => listener.close(),
  };
}

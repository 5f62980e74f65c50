// The descriptors a container's process gets beyond stdio, as runc passes them: systemd's
// socket activation (LISTEN_FDS, when LISTEN_PID is this process), then --preserve-fds N
// more, all numbered from 3 in that order.
import { readlinkSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.ts';

/**
 * What descriptor `fd` is, or null when it is not open. Node marks the descriptors it inherits
 * close-on-exec, so the flag cannot tell the caller's from Node's own; but Node opens its own
 * from the lowest free number up, its event loop's epoll first: a range the caller did not fill
 * holds one of these, and passing it would hand the runtime's event loop to the container.
 */
function describe(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

const RUNTIME_OWN = /^anon_inode:\[(eventpoll|io_uring|eventfd)\]$/;

export interface PassedFds {
  fds: number[];
  /** What the process's environment gets: LISTEN_FDS and LISTEN_PID=1 (the container's init). */
  env: string[];
}

function count(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${flag}: ${JSON.stringify(text)} is not a number of descriptors`);
  return Number(text);
}

export function passedFds(preserve: string | undefined, env: NodeJS.ProcessEnv, activation: boolean): PassedFds {
  const listen = activation && env['LISTEN_FDS'] && Number(env['LISTEN_PID']) === process.pid ? count('LISTEN_FDS', env['LISTEN_FDS']) : 0;
  const extra = count('--preserve-fds', preserve ?? '0');
  const fds = Array.from({ length: listen + extra }, (_, i) => 3 + i);
  for (const fd of fds) {
    const target = describe(fd);
    if (target === null || RUNTIME_OWN.test(target)) {
      const what = fd < 3 + listen ? `LISTEN_FDS=${listen}` : `--preserve-fds ${extra}`;
      throw new InvalidArgumentError(`${what}: descriptor ${fd} was not passed to ocirun`);
    }
  }
  return { fds, env: listen > 0 ? [`LISTEN_FDS=${listen}`, 'LISTEN_PID=1'] : [] };
}

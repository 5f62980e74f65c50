// The descriptors a container's process gets beyond stdio, as runc passes them: systemd's
// socket activation (LISTEN_FDS, when LISTEN_PID is this process), then --preserve-fds N
// more, all numbered from 3 in that order.
import { InvalidArgumentError } from '../errors.ts';
import { native } from '../native/index.ts';

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
  const n = native();
  for (const fd of fds) {
    // A close-on-exec descriptor did not come from the caller: it is one of ocirun's own.
    if (!n.descriptorInherited(fd)) {
      const what = fd < 3 + listen ? `LISTEN_FDS=${listen}` : `--preserve-fds ${extra}`;
      throw new InvalidArgumentError(`${what}: descriptor ${fd} was not passed to ocirun`);
    }
  }
  return { fds, env: listen > 0 ? [`LISTEN_FDS=${listen}`, 'LISTEN_PID=1'] : [] };
}

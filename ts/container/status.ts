// A container's status, read off its init process rather than stored: a status on disk goes
// stale the moment a process dies. The rules follow runc's.
import { InvalidStateError } from '../errors.ts';
import type { ProcessStat } from '../native/index.ts';
import type { ContainerRecord, ProcessRef } from './state-store.ts';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** The name the init shows in /proc/PID/comm until it executes the container's program. */
export const INIT_COMM = 'ocirun-init';

/** Whether `stat` is the live process `ref` names (a zombie is no longer alive). */
export function isAlive(ref: ProcessRef | undefined, stat: ProcessStat | null): boolean {
  return !!ref && !!stat && stat.startTime === ref.startTime && stat.state !== 'Z' && stat.state !== 'X';
}

export interface StatusFacts {
  init: ProcessStat | null;
  creator: ProcessStat | null;
  fifoExists: boolean;
  /** Whether the container's cgroup is frozen; asked only of a running container. */
  frozen?: () => boolean;
}

export function deriveStatus(record: ContainerRecord, facts: StatusFacts): Status {
  if (record.phase === 'creating') {
    // Still being created only while someone is creating it.
    const creating = isAlive(record.creator, facts.creator) && (!record.init || isAlive(record.init, facts.init));
    return creating ? 'creating' : 'stopped';
  }
  if (!isAlive(record.init, facts.init)) return 'stopped';
  if (facts.fifoExists && facts.init?.comm === INIT_COMM) return 'created';
  return facts.frozen?.() ? 'paused' : 'running';
}

/** The status checks of each operation, with runc's messages. */
export const transitions = {
  start(id: string, status: Status): void {
    if (status === 'created') return;
    const message =
      status === 'running'
        ? 'cannot start an already running container'
        : status === 'stopped'
          ? 'cannot start a container that has stopped'
          : `cannot start a container in the ${status} state`;
    throw new InvalidStateError(id, status, 'start', message);
  },
  kill(id: string, status: Status): void {
    if (status === 'created' || status === 'running' || status === 'paused') return;
    throw new InvalidStateError(id, status, 'kill', 'container not running');
  },
  pause(id: string, status: Status): void {
    if (status === 'running') return;
    const message = status === 'paused' ? 'container already paused' : 'container not running';
    throw new InvalidStateError(id, status, 'pause', message);
  },
  resume(id: string, status: Status): void {
    if (status === 'paused') return;
    throw new InvalidStateError(id, status, 'resume', 'container not paused');
  },
  update(id: string, status: Status): void {
    if (status === 'created' || status === 'running' || status === 'paused') return;
    throw new InvalidStateError(id, status, 'update', 'container not running');
  },
  exec(id: string, status: Status, ignorePaused: boolean): void {
    if (status === 'created' || status === 'running' || (status === 'paused' && ignorePaused)) return;
    const message =
      status === 'paused'
        ? 'cannot exec in a paused container (use --ignore-paused to override)'
        : status === 'stopped'
          ? 'cannot exec in a stopped container'
          : `cannot exec in a container in the ${status} state`;
    throw new InvalidStateError(id, status, 'exec', message);
  },
  delete(id: string, status: Status, force: boolean): void {
    if (status === 'stopped' || status === 'created' || force) return;
    throw new InvalidStateError(id, status, 'delete', `cannot delete container ${id} that is not stopped: ${status}`);
  },
};

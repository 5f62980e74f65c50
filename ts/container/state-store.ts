// The containers' state on disk: ROOT/ID/state.json (written atomically: temp file, then
// rename), the config it was created from, and exec.fifo. Callers
// hold the container's lock around read-modify-write.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ContainerExistsError, ContainerNotFoundError, SystemError } from '../errors.ts';
import { native, toError, type DirLock } from '../native/index.ts';
import type { LinuxResources, Spec } from '../spec/types.ts';
import { validateId } from './ids.ts';

/** A process, identified across pid reuse by its start time. */
export interface ProcessRef {
  pid: number;
  startTime: number;
}

/** Where a container's cgroups are, as the addon reports them. */
export interface CgroupPaths {
  /** The container's directory in each v1 hierarchy ("cpu", "name=systemd", ...). */
  v1: Record<string, string>;
  unifiedMountpoint?: string | null;
  /** The container's cgroup v2 directory. */
  unified?: string | null;
  /** The directories this container created, removed with it. */
  created: string[];
}

/** What state.json holds. */
export interface ContainerRecord {
  version: 1;
  id: string;
  bundle: string;
  rootfs: string;
  /** When create began (RFC 3339). */
  created: string;
  owner: string;
  annotations: Record<string, string>;
  /** "creating" until the init is ready, then "created"; running and stopped are read off the init. */
  phase: 'creating' | 'created';
  /** The process running create, while phase is "creating". */
  creator: ProcessRef;
  /** The container's init, once it exists. */
  init?: ProcessRef;
  /** The container's cgroups, recorded before they are created. */
  cgroupPaths?: CgroupPaths;
  /** Created in rootless mode, and so without cgroups. */
  rootless?: boolean;
  /** linux.resources as they apply now: the config's, changed by updates. */
  resources?: LinuxResources;
  /** NOTIFY_SOCKET passthrough: the socket the container's READY= is passed on to. */
  notifySocket?: string;
}

export const STATE_FILE = 'state.json';
export const CONFIG_FILE = 'config.json';
export const FIFO_FILE = 'exec.fifo';

/**
 * Writes a file so that readers see the old or the new content, never a mix, whenever ocirun
 * itself dies: a temp file, renamed over the old one. Not fsync'd: what the state describes
 * (processes, cgroups, mounts) does not outlive the machine, so a state that survived a power
 * loss would describe nothing; and the runtime's state directory is a tmpfs (/run) where
 * fsync does nothing anyway. runc and crun write theirs the same way.
 */
export function writeFileAtomic(path: string, data: string | Buffer, opts: { mode?: number } = {}): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', opts.mode ?? 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export class StateStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  /** Makes ROOT/ID; fails if the id is taken. The directory is searchable by every user so
   * that a container running as any uid can open its exec.fifo. */
  createDir(id: string): string {
    validateId(id);
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const dir = this.dir(id);
    try {
      mkdirSync(dir, { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ContainerExistsError(id);
      throw e;
    }
    return dir;
  }

  /** Writes state.json atomically. */
  write(record: ContainerRecord): void {
    writeFileAtomic(join(this.dir(record.id), STATE_FILE), JSON.stringify(record));
  }

  /** The config the container was created from (later changes to the bundle do not count). */
  writeConfig(id: string, raw: Buffer): void {
    writeFileAtomic(join(this.dir(id), CONFIG_FILE), raw);
  }

  read(id: string): ContainerRecord {
    validateId(id);
    let text: string;
    try {
      text = readFileSync(join(this.dir(id), STATE_FILE), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new ContainerNotFoundError(id);
      throw e;
    }
    return JSON.parse(text) as ContainerRecord;
  }

  /** Ids of every container under the root, including ones whose create never finished. */
  ids(): string[] {
    try {
      return readdirSync(this.root, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /** The config the container was created from. */
  readConfig(id: string): Spec {
    return JSON.parse(this.readConfigBytes(id).toString('utf8')) as Spec;
  }

  /** config.json as the container was created from it, byte for byte. */
  readConfigBytes(id: string): Buffer {
    return readFileSync(join(this.dir(id), CONFIG_FILE));
  }

  fifoExists(id: string): boolean {
    return existsSync(join(this.dir(id), FIFO_FILE));
  }

  /** Takes the container's lock; throws ContainerNotFoundError if the container is gone. */
  async lock(id: string): Promise<DirLock> {
    validateId(id);
    const n = native();
    const attempt = n.tryLockDir(this.dir(id));
    const res = attempt.busy ? await n.lockDir(this.dir(id)) : attempt;
    if (res.failure) throw toError(res.failure, `lock container ${id}`);
    if (!res.lock) throw new ContainerNotFoundError(id);
    return res.lock;
  }

  remove(id: string): void {
    validateId(id);
    try {
      rmSync(this.dir(id), { recursive: true, force: true });
    } catch (e) {
      throw new SystemError('EPATH', (e as NodeJS.ErrnoException).code, `remove the state of ${id}: ${(e as Error).message}`);
    }
  }
}

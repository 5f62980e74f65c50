// The containers' state on disk: ROOT/ID/state.json (written atomically: temp file, fsync,
// rename, fsync of the directory), the config it was created from, and exec.fifo. Callers
// hold the container's lock around read-modify-write.
import {
  closeSync,
  existsSync,
  fsyncSync,
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
  /** linux.resources as they apply now: the config's, changed by updates. */
  resources?: LinuxResources;
}

export const STATE_FILE = 'state.json';
export const CONFIG_FILE = 'config.json';
export const FIFO_FILE = 'exec.fifo';

/**
 * Writes a file so that readers see the old or the new content, never a mix, even after a
 * crash: temp file, fsync, rename, then fsync of the directory. `syncDir: false` leaves the
 * directory to a later write's fsync in the same directory.
 */
export function writeFileAtomic(path: string, data: string | Buffer, opts: { mode?: number; syncDir?: boolean } = {}): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', opts.mode ?? 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (opts.syncDir === false) return;
  const dir = openSync(join(path, '..'), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
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

  /** Writes state.json atomically. `syncDir: false` when a later write will sync the directory. */
  write(record: ContainerRecord, opts: { syncDir?: boolean } = {}): void {
    writeFileAtomic(join(this.dir(record.id), STATE_FILE), JSON.stringify(record), opts);
  }

  /** The config the container was created from (later changes to the bundle do not count).
   * Its directory entry is made durable by the state.json write that follows. */
  writeConfig(id: string, raw: Buffer): void {
    writeFileAtomic(join(this.dir(id), CONFIG_FILE), raw, { syncDir: false });
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

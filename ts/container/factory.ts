// The Factory makes and finds Containers under one state root (libcontainer's model).
import { userInfo } from 'node:os';
import { ContainerNotFoundError, SystemError } from '../errors.ts';
import { silentLogger, type Logger } from '../log/index.ts';
import { type DirLock, native, toError, type InitHandle } from '../native/index.ts';
import { type BlockingCalls, blockingOps } from '../native/ops.ts';
import { bundleFromConfig, loadBundle, type Bundle } from '../spec/load.ts';
import type { Spec } from '../spec/types.ts';
import { Container, type ContainerState, type ExitStatus, type RuntimeContext } from './container.ts';
import { DEFAULT_ROOT } from './defaults.ts';
import { runPoststop } from './hooks.ts';
import { validateId } from './ids.ts';
import { type CgroupPaths, type ContainerRecord, StateStore } from './state-store.ts';
import { prepareStdio, type PreparedStdio, type StdioOptions } from './stdio.ts';
import { Terminal } from './terminal.ts';
import { checkTerminal } from './terminal-rules.ts';
import { isHostRoot, isRootless, rootlessCgroupProblem, rootlessRoot, undelegatedDir } from './rootless.ts';


export interface FactoryOptions {
  /** Where container state lives (runc's --root). */
  root?: string;
  logger?: Logger;
  /**
   * Where blocking system work (spawning the init, waiting for it) runs: on libuv's thread
   * pool (the default; the event loop stays free), or inline on the calling thread.
   */
  blockingCalls?: BlockingCalls;
  /** Ask for the systemd cgroup driver (runc's --systemd-cgroup). */
  systemdCgroup?: boolean;
  /**
   * The environment ("KEY=value" entries) of hooks whose config gives them no env. runc gives
   * them its own, and so does the CLI; the default is none.
   */
  hookEnv?: string[];
  /**
   * Fork each container's init from a zygote this process keeps (one small idle process,
   * spawned from the sealed init executable on first use), rather than spawn it afresh: about
   * half a millisecond less per container. The default except with blocking calls inline
   * (the CLI, which makes one container per process).
   */
  zygote?: boolean;
  /**
   * Rootless mode (runc's --rootless): containers get cgroups only where they are delegated
   * to this user, and otherwise none, so that cgroup settings are refused. The default is
   * rootless when this process is not root over the host.
   */
  rootless?: boolean;
}

export interface CreateOptions {
  /** The bundle directory (relative paths in the config are relative to it). */
  bundle: string;
  /** The config to use instead of BUNDLE/config.json: its bytes, or a spec object. */
  config?: Buffer | Spec;
  /** Switch root with MS_MOVE and chroot instead of pivot_root. */
  noPivot?: boolean;
  /**
   * The container's stdin, stdout and stderr (when process.terminal is false): this
   * process's own ("inherit", the default), /dev/null ("ignore"), a descriptor, or "pipe",
   * which makes the container's `stdin`/`stdout`/`stderr` Node streams.
   */
  stdio?: StdioOptions;
  /** Keep the caller's session keyring instead of a new one per container (runc's --no-new-keyring). */
  noNewKeyring?: boolean;
  /**
   * With process.terminal: the Unix socket the pseudoterminal's master is sent to (runc's
   * --console-socket). Without it, the container's `terminal` holds the master.
   */
  consoleSocket?: string;
  /** Descriptors of this process the container's process gets as 3, 4, ... (--preserve-fds). */
  preserveFds?: number[];
  /** KEY=VALUE entries added to process.env (replacing the config's of the same name). */
  extraEnv?: string[];
  /**
   * NOTIFY_SOCKET passthrough (sd_notify), as runc: the socket (a path, or @name for an
   * abstract one) that the container's READY= is passed on to, followed by MAINPID. The
   * container gets a socket of ocirun's own at /run/notify/notify.sock, never this one.
   */
  notifySocket?: string;
  /**
   * The caller will not stay to use a terminal's master (runc's create, or run --detach): then
   * process.terminal needs a consoleSocket, as runc requires.
   */
  detached?: boolean;
}

/** The container's cgroups, checked against the host and planned (as JSON). */
function planCgroups(raw: Buffer, id: string, systemd: boolean, log: Logger): { paths: string } {
  const n = native();
  const check = n.checkCgroups(raw, id, systemd);
  if (check.failure) throw toError(check.failure);
  for (const w of check.warnings) log.warn(w);
  const plan = n.planCgroups(raw, id);
  if (plan.failure) throw toError(plan.failure);
  return { paths: plan.paths };
}

/**
 * Rootless: the planned cgroups when they are delegated to this user (every directory to be
 * made sits in one the user may write, as a systemd Delegate= slice or a chown gives); else
 * no cgroup at all, and so no cgroup setting either.
 */
function rootlessCgroups(raw: Buffer, spec: Spec, id: string, systemd: boolean, log: Logger): { paths: string | undefined } {
  const undelegated = (why: string) => {
    const problem = rootlessCgroupProblem(spec, why);
    if (problem) throw problem;
    return { paths: undefined };
  };
  // Root forced rootless keeps none: it would make them anywhere.
  if (isHostRoot()) return undelegated('--rootless true as root');
  const plan = planCgroups(raw, id, systemd, log);
  const blocked = undelegatedDir(JSON.parse(plan.paths) as CgroupPaths);
  return blocked ? undelegated(`${blocked} is not delegated to uid ${process.geteuid?.()}`) : plan;
}

function ownerName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '');
  }
}

export { DEFAULT_ROOT };

export class Factory {
  readonly root: string;
  readonly #ctx: RuntimeContext;
  readonly #systemdCgroup: boolean;
  readonly rootless: boolean;

  constructor(opts: FactoryOptions = {}) {
    this.rootless = opts.rootless ?? isRootless();
    this.root = opts.root ?? (this.rootless ? rootlessRoot() : DEFAULT_ROOT);
    this.#systemdCgroup = !!opts.systemdCgroup;
    this.#ctx = {
      store: new StateStore(this.root),
      log: opts.logger ?? silentLogger,
      ops: blockingOps(opts.blockingCalls ?? 'thread-pool'),
      hookEnv: opts.hookEnv ?? [],
      zygote: opts.zygote ?? opts.blockingCalls !== 'inline',
    };
  }

  /**
   * Creates a container from a bundle: validates everything first, then records the state,
   * spawns the init and waits until it blocks on exec.fifo. On any failure, nothing is left:
   * the init is killed and the state directory removed.
   */
  async create(id: string, opts: CreateOptions): Promise<Container> {
    validateId(id);
    const config = opts.config && !Buffer.isBuffer(opts.config) ? Buffer.from(JSON.stringify(opts.config)) : opts.config;
    const bundle: Bundle = config ? bundleFromConfig(opts.bundle, config) : loadBundle(opts.bundle);
    const log = this.#ctx.log.child(id);
    const terminal = !!bundle.spec.process?.terminal;
    checkTerminal(terminal, !!opts.detached, opts.consoleSocket);
    // Everything about cgroups that can be refused is refused before anything exists.
    const n = native();
    const plan = this.rootless
      ? rootlessCgroups(bundle.raw, bundle.spec, id, this.#systemdCgroup, log)
      : planCgroups(bundle.raw, id, this.#systemdCgroup, log);
    const settings = n.checkSettings(bundle.raw);
    if (settings.failure) throw toError(settings.failure);
    for (const w of settings.warnings) log.warn(w);
    const store = this.#ctx.store;
    const dir = store.createDir(id);
    let handle: InitHandle | undefined;
    let lock: DirLock | undefined;
    let stdio: PreparedStdio | undefined;
    let pty: Terminal | undefined;
    try {
      // A terminal's slave is the container's stdio: whatever else was asked for is not used.
      stdio = prepareStdio(terminal ? 'inherit' : opts.stdio);
      lock = await store.lock(id);
      const self = native().processStat(process.pid);
      const record: ContainerRecord = {
        version: 1,
        id,
        bundle: bundle.dir,
        rootfs: bundle.rootfs,
        created: new Date().toISOString(),
        owner: ownerName(),
        annotations: bundle.spec.annotations ?? {},
        phase: 'creating',
        creator: { pid: process.pid, startTime: self?.startTime ?? 0 },
        ...(plan.paths !== undefined ? { cgroupPaths: JSON.parse(plan.paths) as CgroupPaths } : { rootless: true }),
        resources: bundle.spec.linux?.resources ?? {},
        ...(opts.notifySocket ? { notifySocket: opts.notifySocket } : {}),
      };
      // The cgroups are recorded before they exist, so that a create that dies from here on
      // leaves a state delete --force can clean up (an init left without its creator dies
      // at its next message to it).
      store.writeConfig(id, bundle.raw);
      store.write(record);
      const fifoFailure = native().makeExecFifo(dir);
      if (fifoFailure) throw toError(fifoFailure, 'create exec.fifo');
      // The init starts on a worker thread while this one keeps the config.
      const spawning = this.#ctx.ops.spawnInit(bundle.raw, {
        id,
        bundle: bundle.dir,
        rootfs: bundle.rootfs,
        stateDir: dir,
        noPivot: !!opts.noPivot,
        cgroupPaths: plan.paths ?? '{}',
        ...(stdio.fds ? { stdio: stdio.fds } : {}),
        noNewKeyring: !!opts.noNewKeyring,
        ...(opts.preserveFds?.length ? { preserveFds: opts.preserveFds } : {}),
        ...(opts.consoleSocket !== undefined ? { consoleSocket: opts.consoleSocket } : {}),
        ...(opts.extraEnv?.length ? { extraEnv: opts.extraEnv } : {}),
        hookEnv: this.#ctx.hookEnv,
        zygote: this.#ctx.zygote,
        notify: !!opts.notifySocket,
      });
      const spawned = await spawning;
      handle = spawned.handle ?? undefined;
      for (const line of spawned.debug ?? []) log.debug(line);
      if (spawned.failure || !spawned.handle) {
        throw spawned.failure ? toError(spawned.failure) : new SystemError('ESPAWN', undefined, 'the init did not start');
      }
      const init = spawned.handle;
      record.init = { pid: init.pid, startTime: init.startTime };
      if (plan.paths !== undefined) record.cgroupPaths = JSON.parse(init.cgroupPaths) as CgroupPaths;
      // The init sets the container up while this thread records its pid.
      const proceeding = this.#ctx.ops.proceed(init);
      try {
        store.write(record);
      } finally {
        await proceeding.catch(() => undefined);
      }
      log.debug('init spawned', { pid: init.pid });

      const ready = await proceeding;
      if (ready.failure) {
        // The addon has killed and reaped the init already.
        handle = undefined;
        throw toError(ready.failure);
      }
      for (const w of ready.warnings) log.warn(w);
      if (ready.console !== undefined && ready.console !== null) pty = new Terminal(ready.console);
      record.phase = 'created';
      store.write(record);
      init.release();
      log.debug('created', { pid: record.init.pid });
      return new Container(this.#ctx, record, true, stdio.attach(), pty);
    } catch (e) {
      stdio?.discard();
      pty?.close();
      if (handle) await handle.abort();
      store.remove(id);
      // The spec's lifecycle goes on to poststop after a failed create, as runc's does.
      await runPoststop(this.#ctx, { id, bundle: bundle.dir, annotations: bundle.spec.annotations ?? {} }, bundle.spec.hooks);
      throw e;
    } finally {
      lock?.release();
    }
  }

  /**
   * Creates and starts a container, waits for its process to exit, deletes it, and returns
   * how the process ended (runc run).
   */
  async run(id: string, opts: CreateOptions): Promise<ExitStatus> {
    const container = await this.create(id, opts);
    try {
      await container.start();
      return await container.wait();
    } finally {
      await container.delete({ force: true });
    }
  }

  /** A container created earlier, by this process or another. */
  async load(id: string): Promise<Container> {
    validateId(id);
    return new Container(this.#ctx, this.#ctx.store.read(id));
  }

  /**
   * Deletes a container (see Container.delete). A directory left by a create that died before
   * it wrote any state is removed too; with `force`, a container that does not exist is not
   * an error (runc's behaviour, which container managers rely on).
   */
  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    let container: Container;
    try {
      container = await this.load(id);
    } catch (e) {
      if (!(e instanceof ContainerNotFoundError)) throw e;
      this.#ctx.store.remove(id);
      if (opts.force) return;
      throw e;
    }
    await container.delete(opts);
  }

  /** The state of every container under the root. */
  async list(): Promise<ContainerState[]> {
    const states: ContainerState[] = [];
    for (const id of this.#ctx.store.ids()) {
      try {
        states.push(await (await this.load(id)).state());
      } catch (e) {
        if (!(e instanceof ContainerNotFoundError)) throw e;
      }
    }
    return states;
  }
}

// A container, as libcontainer models it: state, start, kill, delete, wait. Every operation
// takes the container's lock and re-reads its record first.
import { join } from 'node:path';
import { InvalidStateError, SystemError } from '../errors.ts';
import type { Logger } from '../log/index.ts';
import { native, toError } from '../native/index.ts';
import type { BlockingOps } from '../native/ops.ts';
import { OCI_VERSION } from '../spec/defaults.ts';
import type { LinuxResources } from '../spec/types.ts';
import { checkSpec } from '../spec/checks.ts';
import { parseExact } from '../spec/json64.ts';
import type { Spec } from '../spec/types.ts';
import { schemaError } from '../spec/validate.ts';
import { type ContainerEvent, containerEvents, type EventsOptions } from './events.ts';
import { execProcess, type ExecOptions } from './exec.ts';
import { checkTerminal } from './terminal-rules.ts';
import { ContainerProcess } from './process.ts';
import { prepareStdio } from './stdio.ts';
import { Terminal } from './terminal.ts';
import { listenForReady, type ReadyRelay } from './notify.ts';
import { configuredHooks, runPoststart, runPoststop } from './hooks.ts';
import { parseSignal } from './signals.ts';
import type { ContainerStats } from './stats.ts';
import type { StdioStreams } from './stdio.ts';
import { type ContainerRecord, FIFO_FILE, type ProcessRef, type StateStore } from './state-store.ts';
import { deriveStatus, isAlive, type Status, transitions } from './status.ts';

export interface StartOptions {
  /** The NOTIFY_SOCKET to pass READY= on to, instead of the one given at create. */
  notifySocket?: string;
  /**
   * With a notify socket: false passes READY= on in the background and without MAINPID (runc
   * run in the foreground, where ocirun itself is the process to watch).
   */
  awaitReady?: boolean;
}

/** The state JSON runc prints (the spec's state plus rootfs, created and owner). */
export interface ContainerState {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

export interface ExitStatus {
  /** The exit code, or 128 + the signal number. */
  status: number;
  /** The signal that ended the process, if one did. */
  signal?: number;
}

export interface RuntimeContext {
  store: StateStore;
  log: Logger;
  ops: BlockingOps;
  /** The environment of hooks without an env of their own. */
  hookEnv: string[];
  /** Fork inits from the process's zygote (many containers per process) rather than spawn them. */
  zygote: boolean;
}

/** The exec'd process must pass what a container's process passes: the schema, and the checks. */
function checkExecProcess(spec: Spec): void {
  const invalid = schemaError(spec.process, 'process', 'process') ?? checkSpec(spec);
  if (invalid) throw invalid;
}

/** How long delete waits for a killed init to go before it gives up. */
const KILL_TIMEOUT_MS = 10_000;

export class Container {
  readonly id: string;
  readonly #ctx: RuntimeContext;
  #record: ContainerRecord;
  /** Whether this process is the init's parent, and so the one to reap it. */
  readonly #isParent: boolean;
  /** The container's stdin, when it was created with stdio "pipe" (else null). */
  readonly stdin: StdioStreams['stdin'];
  /** The container's stdout, when it was created with stdio "pipe" (else null). */
  readonly stdout: StdioStreams['stdout'];
  /** The container's stderr, when it was created with stdio "pipe" (else null). */
  readonly stderr: StdioStreams['stderr'];
  /** The pseudoterminal's master, when process.terminal is set and no console socket took it. */
  readonly terminal: Terminal | null;

  constructor(ctx: RuntimeContext, record: ContainerRecord, isParent = false, stdio?: StdioStreams, terminal?: Terminal) {
    this.id = record.id;
    this.#ctx = ctx;
    this.#record = record;
    this.#isParent = isParent;
    this.stdin = stdio?.stdin ?? null;
    this.stdout = stdio?.stdout ?? null;
    this.stderr = stdio?.stderr ?? null;
    this.terminal = terminal ?? null;
  }

  get pid(): number | undefined {
    return this.#record.init?.pid;
  }

  /** The init process (pid and start time), once it exists. */
  get init(): ProcessRef | undefined {
    return this.#record.init;
  }

  get bundle(): string {
    return this.#record.bundle;
  }

  #status(record: ContainerRecord): Status {
    const n = native();
    const paths = record.cgroupPaths;
    return deriveStatus(record, {
      init: record.init ? n.processStat(record.init.pid) : null,
      creator: n.processStat(record.creator.pid),
      fifoExists: this.#ctx.store.fifoExists(record.id),
      frozen: () => !!paths && n.cgroupFrozen(JSON.stringify(paths)),
    });
  }

  /** The container's cgroup paths as the addon takes them. */
  #cgroups(record: ContainerRecord): string {
    if (!record.cgroupPaths) {
      const why = record.rootless ? 'the container has no cgroup: it was created in rootless mode' : 'the container has no cgroups recorded';
      throw new InvalidStateError(this.id, 'unknown', 'cgroups', why);
    }
    return JSON.stringify(record.cgroupPaths);
  }

  #toState(record: ContainerRecord, status: Status): ContainerState {
    const state: ContainerState = {
      ociVersion: OCI_VERSION,
      id: record.id,
      pid: status === 'stopped' ? 0 : (record.init?.pid ?? 0),
      status,
      bundle: record.bundle,
      rootfs: record.rootfs,
      created: record.created,
      owner: record.owner,
    };
    if (Object.keys(record.annotations).length > 0) state.annotations = record.annotations;
    return state;
  }

  /** Runs `fn` under the container's lock with its freshly read record and status. */
  async #locked<T>(fn: (record: ContainerRecord, status: Status) => Promise<T> | T): Promise<T> {
    const lock = await this.#ctx.store.lock(this.id);
    try {
      this.#record = this.#ctx.store.read(this.id);
      return await fn(this.#record, this.#status(this.#record));
    } finally {
      lock.release();
    }
  }

  async state(): Promise<ContainerState> {
    const record = this.#ctx.store.read(this.id);
    this.#record = record;
    return this.#toState(record, this.#status(record));
  }

  /**
   * Releases the init to run the container's program. With a notify socket (given at create,
   * or here), returns once the container has said READY=, unless `awaitReady` is false.
   */
  async start(opts: StartOptions = {}): Promise<void> {
    let ready: { relay: ReadyRelay; init: ProcessRef } | undefined;
    await this.#locked(async (record, status) => {
      transitions.start(this.id, status);
      const init = record.init;
      if (!init) throw new InvalidStateError(this.id, status, 'start', 'container has no init process');
      const dir = this.#ctx.store.dir(this.id);
      const host = opts.notifySocket ?? record.notifySocket;
      const relay = host ? listenForReady(dir, host, this.#ctx.ops, this.#ctx.log.child(this.id)) : undefined;
      try {
        const failure = await this.#ctx.ops.startContainer(dir, init.pid, init.startTime);
        if (failure) throw toError(failure, 'start container');
        const poststart = await runPoststart(this.#ctx, record, configuredHooks(this.#ctx.store, this.id), init.pid);
        if (poststart) {
          // The spec: a failed poststart hook stops the container; delete removes it.
          await this.#killAndWait(record, false);
          throw toError(poststart, 'start container');
        }
      } catch (e) {
        relay?.close();
        throw e;
      }
      if (relay) ready = { relay, init };
      this.#ctx.log.child(this.id).debug('started', { pid: init.pid });
    });
    // Outside the lock: a container may take its time to be ready, and kill or delete must
    // not wait for it.
    await ready?.relay.pass(ready.init, { wait: opts.awaitReady !== false });
  }

  /** Sends a signal to the init, or with `all` to every process of the container. */
  async kill(signal: number | string = 'SIGTERM', opts: { all?: boolean } = {}): Promise<void> {
    const sig = typeof signal === 'number' ? signal : parseSignal(signal);
    await this.#locked((record, status) => {
      transitions.kill(this.id, status);
      const init = record.init;
      if (!init) return;
      if (opts.all) {
        const failure = native().cgroupKill(this.#cgroups(record), sig);
        if (failure) throw toError(failure, 'signal the container\'s processes');
        return;
      }
      const res = native().signalProcess(init.pid, init.startTime, sig);
      if (res.failure) throw toError(res.failure, 'unable to signal init');
      if (!res.delivered) throw new InvalidStateError(this.id, 'stopped', 'kill', 'container not running');
    });
  }

  /**
   * Removes the container. A created container is killed first (as runc does); a running one
   * only with `force`. Safe on a container whose create was interrupted.
   */
  async delete(opts: { force?: boolean } = {}): Promise<void> {
    await this.#locked(async (record, status) => {
      transitions.delete(this.id, status, !!opts.force);
      // A create that died after its init was ready leaves a live init behind a "stopped"
      // record: whatever the status says, a live init is killed before its state goes.
      if (status !== 'stopped' || this.#initAlive(record)) await this.#killAndWait(record, status === 'paused');
      if (record.cgroupPaths) {
        const failure = await this.#ctx.ops.cgroupDestroy(JSON.stringify(record.cgroupPaths));
        if (failure) throw toError(failure, 'remove the container\'s cgroups');
      }
      const hooks = configuredHooks(this.#ctx.store, this.id);
      this.#ctx.store.remove(this.id);
      await runPoststop(this.#ctx, record, hooks);
      this.#ctx.log.child(this.id).debug('deleted');
    });
  }

  #initAlive(record: ContainerRecord): boolean {
    return !!record.init && isAlive(record.init, native().processStat(record.init.pid));
  }

  async #killAndWait(record: ContainerRecord, paused: boolean): Promise<void> {
    const init = record.init;
    if (!init) return;
    const n = native();
    const res = n.signalProcess(init.pid, init.startTime, 9);
    if (res.failure) throw toError(res.failure, 'kill the container init');
    if (record.cgroupPaths) {
      // Processes outside the init's PID namespace (a shared one) go with the cgroup; a frozen
      // cgroup must thaw for SIGKILL to land.
      n.cgroupKill(JSON.stringify(record.cgroupPaths), 9);
      if (paused) await n.cgroupFreeze(JSON.stringify(record.cgroupPaths), false);
    }
    const token = n.nextWatchToken();
    const timer = setTimeout(() => n.cancelWatch(token), KILL_TIMEOUT_MS);
    const exit = await n.watchExit(token, init.pid, init.startTime, this.#isParent ? 'reap' : 'observe');
    clearTimeout(timer);
    if (exit.failure) throw toError(exit.failure, 'wait for the container init');
    if (exit.outcome !== 'exited') {
      throw new SystemError('ETIMEDOUT', 'ETIMEDOUT', `container init ${init.pid} did not exit after SIGKILL`);
    }
  }

  /**
   * Starts a process in the container (runc's exec): it joins every namespace and the cgroups of
   * the container, with its seccomp profile and, unless changed, the process settings of its
   * config.json. Resolves once the program has been executed.
   */
  async exec(opts: ExecOptions): Promise<ContainerProcess> {
    return this.#locked(async (record, status) => {
      transitions.exec(this.id, status, !!opts.ignorePaused);
      const init = record.init;
      if (!init) throw new InvalidStateError(this.id, status, 'exec', 'container has no init process');
      const configBytes = this.#ctx.store.readConfigBytes(this.id);
      const spec = parseExact(configBytes.toString('utf8')) as Spec;
      const proc = execProcess(spec.process, opts);
      checkExecProcess({ ...(JSON.parse(configBytes.toString('utf8')) as Spec), process: JSON.parse(JSON.stringify(proc)) });
      checkTerminal(!!proc.terminal, !!opts.detached, opts.consoleSocket);
      const processBytes = Buffer.from(JSON.stringify(proc));
      const settings = native().checkSettings(Buffer.from(JSON.stringify({ ...spec, process: proc })));
      if (settings.failure) throw toError(settings.failure);
      const stdio = prepareStdio(proc.terminal ? 'inherit' : opts.stdio);
      const res = await this.#ctx.ops.execProcess(configBytes, processBytes, {
        id: this.id,
        bundle: record.bundle,
        initPid: init.pid,
        initStartTime: init.startTime,
        ...(record.cgroupPaths ? { cgroupPaths: JSON.stringify(record.cgroupPaths) } : {}),
        ...(opts.cgroup !== undefined ? { subCgroup: opts.cgroup } : {}),
        ...(stdio.fds ? { stdio: stdio.fds } : {}),
        ...(opts.preserveFds?.length ? { preserveFds: opts.preserveFds } : {}),
        ...(opts.consoleSocket !== undefined ? { consoleSocket: opts.consoleSocket } : {}),
        noNewKeyring: !!opts.noNewKeyring,
        paused: status === 'paused',
        zygote: this.#ctx.zygote,
      });
      if (res.failure) {
        stdio.discard();
        throw toError(res.failure);
      }
      const log = this.#ctx.log.child(this.id);
      for (const w of res.warnings) log.warn(w);
      log.debug('exec', { pid: res.pid, args: (proc.args ?? []).join(' ') });
      const terminal = res.console !== undefined && res.console !== null ? new Terminal(res.console) : null;
      return new ContainerProcess(this.id, res.pid, res.startTime, terminal, stdio.attach());
    });
  }

  /** Freezes every process of the container. */
  async pause(): Promise<void> {
    await this.#locked(async (record, status) => {
      transitions.pause(this.id, status);
      const failure = await native().cgroupFreeze(this.#cgroups(record), true);
      if (failure) throw toError(failure, 'pause');
    });
  }

  /** Thaws a paused container. */
  async resume(): Promise<void> {
    await this.#locked(async (record, status) => {
      transitions.resume(this.id, status);
      const failure = await native().cgroupFreeze(this.#cgroups(record), false);
      if (failure) throw toError(failure, 'resume');
    });
  }

  /**
   * Changes the container's resources: what `update` sets replaces the current value, the
   * rest stays (runc's semantics). Checked against the host before anything is written.
   * Returns the warnings (settings accepted without effect).
   */
  async update(update: LinuxResources): Promise<string[]> {
    return this.#locked((record, status) => {
      transitions.update(this.id, status);
      const devices = this.#ctx.store.readConfig(this.id).linux?.devices ?? [];
      const res = native().cgroupUpdate(
        this.#cgroups(record),
        JSON.stringify(record.resources ?? {}),
        JSON.stringify(update),
        JSON.stringify(devices),
      );
      if (res.failure) throw toError(res.failure, 'update');
      record.resources = JSON.parse(res.resources) as LinuxResources;
      this.#ctx.store.write(record);
      return res.warnings;
    });
  }

  /** The pids of the container's processes (as the host sees them). */
  async processes(): Promise<number[]> {
    const record = this.#ctx.store.read(this.id);
    const status = this.#status(record);
    if (status === 'stopped') throw new InvalidStateError(this.id, status, 'ps', 'container is not running');
    const res = native().cgroupPids(this.#cgroups(record));
    if (res.failure) throw toError(res.failure, 'list the container\'s processes');
    return res.pids;
  }

  /** Resource usage, in runc's stats shape. */
  async stats(): Promise<ContainerStats> {
    const record = this.#ctx.store.read(this.id);
    const res = native().cgroupStats(this.#cgroups(record));
    if (res.failure) throw toError(res.failure, 'read the container\'s stats');
    return JSON.parse(res.json) as ContainerStats;
  }

  /**
   * The container's events: stats every `interval` ms, "oom" when the OOM killer strikes in
   * the container, and "exit" when its init exits, which ends the iteration. Stop iterating
   * (break, return) to release the watches.
   */
  events(opts: EventsOptions = {}): AsyncGenerator<ContainerEvent> {
    const record = this.#ctx.store.read(this.id);
    return containerEvents(
      {
        id: this.id,
        init: record.init,
        cgroupPaths: record.cgroupPaths ? JSON.stringify(record.cgroupPaths) : undefined,
        isParent: this.#isParent,
        stats: () => this.stats(),
      },
      opts,
    );
  }

  /**
   * Waits for the container's init to exit, and reaps it. Only the process that created the
   * container is its parent and can wait for it. The wait holds no thread: many containers
   * can be waited for at once.
   */
  async wait(): Promise<ExitStatus> {
    const init = this.#record.init;
    if (!this.#isParent || !init) {
      throw new InvalidStateError(this.id, 'unknown', 'wait', 'only the process that created a container can wait for it');
    }
    const n = native();
    const res = await n.watchExit(n.nextWatchToken(), init.pid, init.startTime, 'reap');
    if (res.failure) throw toError(res.failure, 'wait for the container');
    const status = res.status ?? -1;
    return res.signal === undefined || res.signal === null ? { status } : { status, signal: res.signal };
  }

  /** Where this container's state lives. */
  get stateDir(): string {
    return this.#ctx.store.dir(this.id);
  }

  get fifoPath(): string {
    return join(this.stateDir, FIFO_FILE);
  }
}

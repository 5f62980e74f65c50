// The addon's blocking operations in two flavours: on libuv's thread pool (the library's
// default: the event loop never blocks), or on the calling thread (the CLI's: it has nothing
// else to do meanwhile, and it saves starting and tearing down the thread pool).
import { native, type Native } from './index.ts';
import type { HookState, HooksResult, InitHandle, NativeFailure, NotifyListener, RelayResult } from './binding.js';

type SpawnResult = Awaited<ReturnType<Native['spawnInit']>>;
type ProceedResult = Awaited<ReturnType<InitHandle['proceed']>>;
type LaunchOptions = Parameters<Native['spawnInit']>[1];
type ExecOptions = Parameters<Native['execProcess']>[2];
type ExecResult = Awaited<ReturnType<Native['execProcess']>>;

export type BlockingCalls = 'thread-pool' | 'inline';

export interface BlockingOps {
  spawnInit(config: Buffer, options: LaunchOptions): Promise<SpawnResult>;
  proceed(handle: InitHandle): Promise<ProceedResult>;
  startContainer(stateDir: string, pid: number, startTime: number): Promise<NativeFailure | null>;
  cgroupDestroy(pathsJson: string): Promise<NativeFailure | null>;
  execProcess(config: Buffer, process: Buffer, options: ExecOptions): Promise<ExecResult>;
  runHooks(kind: 'poststart' | 'poststop', hooksJson: string, state: HookState, env: string[]): Promise<HooksResult>;
  /** Waits for the container's READY= and passes it on with MAINPID (NOTIFY_SOCKET). */
  notifyRelay(listener: NotifyListener, host: string, pid: number, startTime: number): Promise<RelayResult>;
}

const threadPool: BlockingOps = {
  spawnInit: (config, options) => native().spawnInit(config, options),
  proceed: (handle) => handle.proceed(),
  startContainer: (dir, pid, startTime) => native().startContainer(dir, pid, startTime),
  cgroupDestroy: (paths) => native().cgroupDestroy(paths),
  execProcess: (config, process, options) => native().execProcess(config, process, options),
  runHooks: (kind, hooks, state, env) => native().runHooks(kind, hooks, state, env),
  notifyRelay: (listener, host, pid, startTime) => listener.relay(host, pid, startTime, true),
};

const inline: BlockingOps = {
  spawnInit: async (config, options) => native().spawnInitSync(config, options),
  proceed: async (handle) => handle.proceedSync(),
  startContainer: async (dir, pid, startTime) => native().startContainerSync(dir, pid, startTime),
  cgroupDestroy: async (paths) => native().cgroupDestroySync(paths),
  execProcess: async (config, process, options) => native().execProcessSync(config, process, options),
  runHooks: async (kind, hooks, state, env) => native().runHooksSync(kind, hooks, state, env),
  notifyRelay: async (listener, host, pid, startTime) => listener.relaySync(host, pid, startTime, true),
};

export function blockingOps(mode: BlockingCalls): BlockingOps {
  return mode === 'inline' ? inline : threadPool;
}

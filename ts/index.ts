// ocirun as a library: the same Factory/Container model the CLI drives.
//
//   import { Factory } from 'ocirun';
//   const factory = new Factory({ root: '/run/ocirun' });
//   const c = await factory.create('demo', { bundle: '/path/to/bundle' });
//   await c.start();
//   const { status } = await c.wait();
//   await c.delete();
export { Factory, DEFAULT_ROOT, type FactoryOptions, type CreateOptions } from './container/factory.ts';
export { isRootless, rootlessRoot, type RootlessMode } from './container/rootless.ts';
export { Container, type ContainerState, type ExitStatus, type StartOptions } from './container/container.ts';
export type { ContainerEvent, EventsOptions } from './container/events.ts';
export { ContainerProcess, type ProcessExit } from './container/process.ts';
export type { ExecOptions } from './container/exec.ts';
export { Terminal, type Relay } from './container/terminal.ts';
export { features, type Features } from './container/features.ts';
export type { ContainerStats } from './container/stats.ts';
export type { StdioOption, StdioOptions } from './container/stdio.ts';
export type { Status } from './container/status.ts';
export { parseSignal } from './container/signals.ts';
export * from './errors.ts';
export { createLogger, silentLogger, type Logger, type LoggerOptions, type LogLevel, type LogFormat } from './log/index.ts';
export * as spec from './spec/index.ts';
export type * from './spec/types.ts';

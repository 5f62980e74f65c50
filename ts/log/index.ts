// ocirun's logger. A facade that decides cheaply whether a level is enabled and loads the
// engine (tslog) on the first line it really writes.
import { requirePackageFile } from '../paths.ts';
import type { EngineLogger } from './engine.ts';
import { formatLine, type LogFields, type LogFormat, type LogLevel } from './format.ts';

export type { LogFields, LogFormat, LogLevel } from './format.ts';
export { formatLine, logTime } from './format.ts';

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines carry `name` (one per container). */
  child(name: string): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go: a log file, stderr, or a test's array. */
  write: (line: string) => void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

type EngineModule = typeof import('./engine.ts');

class LazyLogger implements Logger {
  private engine: EngineLogger | undefined;
  private readonly opts: LoggerOptions;
  private readonly name: string | undefined;
  private readonly parent: LazyLogger | undefined;

  constructor(opts: LoggerOptions, name?: string, parent?: LazyLogger) {
    this.opts = opts;
    this.name = name;
    this.parent = parent;
  }

  private enabled(level: LogLevel): boolean {
    return ORDER[level] >= ORDER[this.opts.level];
  }

  private getEngine(): EngineLogger {
    if (this.engine) return this.engine;
    if (this.parent) {
      this.engine = this.parent.getEngine().child(this.name ?? '');
      return this.engine;
    }
    const { createEngine } = requirePackageFile<EngineModule>('./dist/tslog.cjs');
    const { format, write } = this.opts;
    this.engine = createEngine(this.opts.level, (level, msg, fields, time, name) => {
      write(formatLine(format, level, msg, time, name ? { ...fields, id: name } : fields));
    });
    return this.engine;
  }

  private emit(level: LogLevel, msg: string, fields?: LogFields): void {
    if (this.enabled(level)) this.getEngine().log(level, msg, fields ?? {});
  }

  debug(msg: string, fields?: LogFields): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.emit('error', msg, fields);
  }
  child(name: string): Logger {
    return new LazyLogger(this.opts, name, this);
  }
}

export function createLogger(opts: LoggerOptions): Logger {
  return new LazyLogger(opts);
}

/** Drops everything: the library's default when the caller gives no logger. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

// What every command gets: the global flags, a logger in runc's formats, the Factory, and
// output helpers. Reading flags and the environment happens here and in main.ts only.
import { appendFileSync, writeSync } from 'node:fs';
import { Factory } from '../container/factory.ts';
import { isRootless, type RootlessMode } from '../container/rootless.ts';
import { createLogger, type LogFormat, type Logger } from '../log/index.ts';

export interface GlobalOptions {
  /** --root; the default depends on rootless mode. */
  root?: string;
  /** --rootless: auto (the default), true or false. */
  rootless?: RootlessMode;
  log?: string;
  logFormat: LogFormat;
  debug?: boolean;
  systemdCgroup?: boolean;
}

export class CliContext {
  readonly globals: GlobalOptions;
  /** The environment ocirun was started with (LISTEN_FDS, NOTIFY_SOCKET). */
  readonly env: NodeJS.ProcessEnv = process.env;
  readonly logger: Logger;
  #factory: Factory | undefined;

  constructor(globals: GlobalOptions) {
    this.globals = globals;
    const logFile = globals.log;
    this.logger = createLogger({
      level: globals.debug ? 'debug' : 'info',
      format: globals.logFormat,
      write: logFile ? (line) => appendFileSync(logFile, line) : (line) => writeSync(2, line),
    });
  }

  get factory(): Factory {
    // A CLI call does one thing at a time: blocking calls run inline.
    this.#factory ??= new Factory({
      ...(this.globals.root ? { root: this.globals.root } : {}),
      rootless: isRootless(this.globals.rootless),
      logger: this.logger,
      blockingCalls: 'inline',
      systemdCgroup: !!this.globals.systemdCgroup,
      // runc's hooks without an env of their own run with runc's environment.
      hookEnv: Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`),
    });
    return this.#factory;
  }

  /** Writes to stdout synchronously, so nothing is lost when the process exits right after. */
  out(text: string): void {
    writeSync(1, text);
  }
}

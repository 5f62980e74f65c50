// The logging engine, tslog. Bundled into a chunk of its own (dist/tslog.cjs) and loaded only
// when something is actually logged, so that a CLI call that logs nothing never pays for it.
import { Logger } from 'tslog';
import type { LogFields, LogLevel } from './format.ts';

export interface Emit {
  (level: LogLevel, msg: string, fields: LogFields, time: Date, name: string | undefined): void;
}

export interface EngineLogger {
  log(level: LogLevel, msg: string, fields: LogFields): void;
  child(name: string): EngineLogger;
}

const LEVEL_IDS: Record<LogLevel, number> = { debug: 2, info: 3, warn: 4, error: 5 };

function wrap(logger: Logger<unknown>): EngineLogger {
  return {
    log(level, msg, fields) {
      logger.log(LEVEL_IDS[level], level.toUpperCase(), msg, fields);
    },
    child(name) {
      return wrap(logger.getSubLogger({ name }));
    },
  };
}

export function createEngine(minLevel: LogLevel, emit: Emit): EngineLogger {
  const logger = new Logger<unknown>({ type: 'hidden', minLevel: LEVEL_IDS[minLevel], stack: { capture: 'off' } });
  logger.attachTransport((record: Record<string, unknown>) => {
    const meta = record['_logMeta'] as { logLevelName?: string; date?: Date; name?: string } | undefined;
    const level = (meta?.logLevelName ?? 'INFO').toLowerCase() as LogLevel;
    const msg = String(record['0'] ?? '');
    const fields = (record['1'] ?? {}) as LogFields;
    emit(level, msg, fields, meta?.date ?? new Date(), meta?.name);
  });
  return wrap(logger);
}

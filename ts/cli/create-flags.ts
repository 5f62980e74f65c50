// What create and run share: their flags, and what the flags become for Factory.create.
import type { CreateOptions } from '../container/factory.ts';
import { checkForegroundConsole } from '../container/terminal-rules.ts';
import { passedFds } from './process-fds.ts';

export interface CreateLikeFlags {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: string;
  /** false with --no-pivot (commander names negated flags by their positive form). */
  pivot?: boolean;
  /** false with --no-new-keyring. */
  newKeyring?: boolean;
}

export function createOptions(flags: CreateLikeFlags, detached: boolean, env: NodeJS.ProcessEnv): CreateOptions {
  checkForegroundConsole(detached, flags.consoleSocket);
  const passed = passedFds(flags.preserveFds, env, true);
  return {
    bundle: flags.bundle,
    noPivot: flags.pivot === false,
    noNewKeyring: flags.newKeyring === false,
    detached,
    ...(flags.consoleSocket !== undefined ? { consoleSocket: flags.consoleSocket } : {}),
    ...(passed.fds.length ? { preserveFds: passed.fds } : {}),
    ...(passed.env.length ? { extraEnv: passed.env } : {}),
    ...(env.NOTIFY_SOCKET ? { notifySocket: env.NOTIFY_SOCKET } : {}),
  };
}

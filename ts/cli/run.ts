// `ocirun run ID`: create, start, and (unless --detach) wait for the container, forwarding
// signals to it, then delete it and exit with its status.
import { constants } from 'node:os';
import { native } from '../native/index.ts';
import type { CliContext } from './context.ts';
import { writePidFile } from './pid-file.ts';
import { type CreateLikeFlags, refuseUnsupportedFlags } from './unsupported-flags.ts';

export interface RunFlags extends CreateLikeFlags {
  bundle: string;
  pidFile?: string;
  detach?: boolean;
  /** false with --no-pivot (commander names negated flags by their positive form). */
  pivot?: boolean;
  /** false with --no-new-keyring. */
  newKeyring?: boolean;
  keep?: boolean;
}

/** Signals a foreground `run` passes on to the container, as runc does. */
const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function run(ctx: CliContext, id: string, flags: RunFlags): Promise<number> {
  refuseUnsupportedFlags(flags);
  const container = await ctx.factory.create(id, {
    bundle: flags.bundle,
    noPivot: flags.pivot === false,
    noNewKeyring: flags.newKeyring === false,
  });
  const pid = container.pid;
  if (flags.pidFile && pid !== undefined) writePidFile(flags.pidFile, pid);
  try {
    await container.start();
  } catch (e) {
    await container.delete({ force: true });
    throw e;
  }
  if (flags.detach) return 0;

  const init = container.init;
  const forward = (sig: NodeJS.Signals) => {
    if (init) native().signalProcess(init.pid, init.startTime, constants.signals[sig]);
  };
  const handlers = FORWARDED.map((sig) => {
    const h = () => forward(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    const exit = await container.wait();
    if (!flags.keep) await container.delete({ force: true });
    return exit.status;
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}

// `ocirun run ID`: create, start, and (unless --detach) stay with the container, forwarding
// signals to it and relaying its terminal, then delete it and exit with its status.
import { native } from '../native/index.ts';
import type { CliContext } from './context.ts';
import { type CreateLikeFlags, createOptions } from './create-flags.ts';
import { HeldSignals, stayWith } from './foreground.ts';
import { writePidFile } from './pid-file.ts';

export interface RunFlags extends CreateLikeFlags {
  detach?: boolean;
  keep?: boolean;
}

export async function run(ctx: CliContext, id: string, flags: RunFlags): Promise<number> {
  const held = flags.detach ? undefined : new HeldSignals();
  let container;
  try {
    container = await ctx.factory.create(id, createOptions(flags, !!flags.detach, ctx.env));
  } catch (e) {
    held?.release();
    throw e;
  }
  const pid = container.pid;
  if (flags.pidFile && pid !== undefined) writePidFile(flags.pidFile, pid);
  try {
    await container.start({ awaitReady: !!flags.detach });
  } catch (e) {
    held?.release();
    container.terminal?.close();
    await container.delete({ force: true });
    throw e;
  }
  if (!held) return 0;
  const init = container.init;
  const status = await stayWith(
    {
      signal: (sig) => {
        if (init) native().signalProcess(init.pid, init.startTime, sig);
      },
      wait: () => container.wait(),
    },
    container.terminal,
    held,
  );
  if (!flags.keep) await container.delete({ force: true });
  return status;
}

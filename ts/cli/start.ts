// `ocirun start ID`: runs the program of a created container.
import type { CliContext } from './context.ts';

export async function start(ctx: CliContext, id: string): Promise<void> {
  const notifySocket = ctx.env.NOTIFY_SOCKET;
  await (await ctx.factory.load(id)).start(notifySocket ? { notifySocket } : {});
}

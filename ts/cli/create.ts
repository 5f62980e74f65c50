// `ocirun create ID`: sets the container up; its process waits for `ocirun start`.
import type { CliContext } from './context.ts';
import { type CreateLikeFlags, createOptions } from './create-flags.ts';
import { writePidFile } from './pid-file.ts';

export async function create(ctx: CliContext, id: string, flags: CreateLikeFlags): Promise<void> {
  const container = await ctx.factory.create(id, createOptions(flags, true, ctx.env));
  if (flags.pidFile && container.pid !== undefined) writePidFile(flags.pidFile, container.pid);
}

// `ocirun delete ID`: removes a stopped (or, with --force, any) container.
import type { CliContext } from './context.ts';

export async function deleteContainer(ctx: CliContext, id: string, flags: { force?: boolean }): Promise<void> {
  await ctx.factory.delete(id, { force: !!flags.force });
}

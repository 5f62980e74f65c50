// `ocirun pause ID` and `ocirun resume ID`: freeze and thaw every process of the container.
import type { CliContext } from './context.ts';

export async function pause(ctx: CliContext, id: string): Promise<void> {
  await (await ctx.factory.load(id)).pause();
}

export async function resume(ctx: CliContext, id: string): Promise<void> {
  await (await ctx.factory.load(id)).resume();
}

// `ocirun state ID`: the state JSON, indented as runc prints it.
import type { CliContext } from './context.ts';

export async function state(ctx: CliContext, id: string): Promise<void> {
  const s = await (await ctx.factory.load(id)).state();
  ctx.out(JSON.stringify(s, null, 2));
}

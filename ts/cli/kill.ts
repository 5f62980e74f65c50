// `ocirun kill ID [SIGNAL]`: SIGTERM by default; names or numbers; --all for every process.
import type { CliContext } from './context.ts';

export async function kill(ctx: CliContext, id: string, signal: string | undefined, flags: { all?: boolean }): Promise<void> {
  await (await ctx.factory.load(id)).kill(signal ?? 'SIGTERM', { all: !!flags.all });
}

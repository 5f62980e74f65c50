// `ocirun events ID`: the container's stats as runc prints them, once with --stats or every
// --interval, and an "oom" event whenever the OOM killer strikes in the container.
import { InvalidArgumentError } from '../errors.ts';
import type { CliContext } from './context.ts';

/** A Go-style duration ("5s", "500ms", "1m30s") in milliseconds. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text.trim();
  if (!rest) throw new InvalidArgumentError('--interval: empty duration');
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new InvalidArgumentError(`--interval: invalid duration ${JSON.stringify(text)}`);
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1000);
    rest = rest.slice(m[0].length);
  }
  if (total <= 0) throw new InvalidArgumentError('--interval: duration must be greater than zero');
  return total;
}

function emit(ctx: CliContext, event: Record<string, unknown>): void {
  ctx.out(JSON.stringify(event) + '\n');
}

export async function events(ctx: CliContext, id: string, flags: { stats?: boolean; interval: string }): Promise<void> {
  const interval = parseDuration(flags.interval);
  const c = await ctx.factory.load(id);
  if ((await c.state()).status === 'stopped') throw new InvalidArgumentError('container is not running');
  if (flags.stats) {
    emit(ctx, { type: 'stats', id: c.id, data: await c.stats() });
    return;
  }
  // runc prints stats and oom events until the container stops; the exit is not one of them.
  for await (const e of c.events({ interval })) {
    if (e.type === 'exit') break;
    emit(ctx, e);
  }
}

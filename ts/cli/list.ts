// `ocirun list`: a table like runc's (tabwriter, minimum width 12, padding 3), ids only with
// -q, or JSON with --format json.
import { InvalidArgumentError } from '../errors.ts';
import type { CliContext } from './context.ts';

export interface ListFlags {
  format: string;
  quiet?: boolean;
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, col) => Math.max(12, ...rows.map((r) => (r[col] ?? '').length + 3))) ?? [];
  return rows
    .map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 12))).join(''))
    .join('\n') + '\n';
}

export async function list(ctx: CliContext, flags: ListFlags): Promise<void> {
  const states = await ctx.factory.list();
  if (flags.quiet) {
    ctx.out(states.map((s) => s.id + '\n').join(''));
    return;
  }
  switch (flags.format) {
    case 'json':
      ctx.out(JSON.stringify(states));
      return;
    case 'table': {
      const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
      for (const s of states) rows.push([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]);
      ctx.out(table(rows));
      return;
    }
    default:
      throw new InvalidArgumentError(`invalid format option ${JSON.stringify(flags.format)}: table or json`);
  }
}

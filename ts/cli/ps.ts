// `ocirun ps ID [ps options]`: the host's ps output (ps -ef by default) for the container's
// processes only, or their pids as JSON with --format json.
import { spawnSync } from 'node:child_process';
import { InvalidArgumentError, SystemError } from '../errors.ts';
import type { CliContext } from './context.ts';

/** Keeps the header and the lines whose PID column is one of `pids`. */
export function filterPsOutput(output: string, pids: Set<number>): string {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const pidColumn = header.trim().split(/\s+/).indexOf('PID');
  if (pidColumn < 0) throw new SystemError('EPS', undefined, 'ps printed no PID column');
  const kept = lines.slice(1).filter((l) => {
    const pid = Number(l.trim().split(/\s+/)[pidColumn]);
    return l.trim() !== '' && pids.has(pid);
  });
  return [header, ...kept].join('\n') + '\n';
}

export async function ps(ctx: CliContext, id: string, psArgs: string[], flags: { format: string }): Promise<void> {
  const pids = await (await ctx.factory.load(id)).processes();
  if (flags.format === 'json') {
    ctx.out(JSON.stringify(pids) + '\n');
    return;
  }
  if (flags.format !== 'table') throw new InvalidArgumentError(`invalid format option ${JSON.stringify(flags.format)}: table or json`);
  const r = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  if (r.status !== 0) throw new SystemError('EPS', undefined, `ps ${psArgs.join(' ')} failed: ${r.stderr || r.error?.message || r.status}`);
  ctx.out(filterPsOutput(r.stdout, new Set(pids)));
}

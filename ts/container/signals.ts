// Signal arguments as runc takes them: a number (15), or a name with or without SIG (TERM,
// SIGTERM, sigterm), including RTMIN+n and RTMAX-n.
import { constants } from 'node:os';
import { InvalidArgumentError } from '../errors.ts';

const SIGRTMIN = 34;
const SIGRTMAX = 64;

export function parseSignal(arg: string): number {
  const text = arg.trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= SIGRTMAX) return n;
    throw new InvalidArgumentError(`unknown signal ${JSON.stringify(arg)}`);
  }
  const name = text.toUpperCase().replace(/^SIG/, '');
  const rt = /^RT(MIN|MAX)([+-]\d+)?$/.exec(name);
  if (rt) {
    const base = rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
    const n = base + Number(rt[2] ?? 0);
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  const n = (constants.signals as Record<string, number | undefined>)[`SIG${name}`];
  if (n !== undefined) return n;
  throw new InvalidArgumentError(`unknown signal ${JSON.stringify(arg)}`);
}

/** SIGTERM -> "SIGTERM", for messages; numbers without a name stay numbers. */
export function signalName(n: number): string {
  const entry = Object.entries(constants.signals).find(([, v]) => v === n);
  return entry ? entry[0] : String(n);
}

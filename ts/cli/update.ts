// `ocirun update ID`: changes a container's resources, from runc's flags or, with
// -r FILE (or - for stdin), from a linux.resources JSON document.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.ts';
import type { LinuxResources } from '../spec/types.ts';
import { schemaError } from '../spec/validate.ts';
import type { CliContext } from './context.ts';

export interface UpdateFlags {
  resources?: string;
  blkioWeight?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuShare?: string;
  cpuShares?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  pidsLimit?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
}

/** A byte count as runc takes it: a number, optionally with a k, m, g or t suffix (powers of
 * 1024, an optional "b" after it), or -1 for unlimited. */
export function parseBytes(flag: string, value: string): number {
  const m = /^(-1|\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`--${flag}: invalid size ${JSON.stringify(value)}`);
  if (m[1] === '-1') return -1;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * unit);
}

export function parseInteger(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`--${flag}: invalid number ${JSON.stringify(value)}`);
  return Number(value);
}

/** The linux.resources an update's flags mean. */
export function resourcesFromFlags(f: UpdateFlags): LinuxResources {
  if (f.l3CacheSchema !== undefined || f.memBwSchema !== undefined) {
    throw new InvalidArgumentError('--l3-cache-schema, --mem-bw-schema: Intel RDT is not supported by this version of ocirun');
  }
  const r: LinuxResources = {};
  const memory: NonNullable<LinuxResources['memory']> = {};
  if (f.memory !== undefined) memory.limit = parseBytes('memory', f.memory);
  if (f.memoryReservation !== undefined) memory.reservation = parseBytes('memory-reservation', f.memoryReservation);
  if (f.memorySwap !== undefined) memory.swap = parseBytes('memory-swap', f.memorySwap);
  if (Object.keys(memory).length) r.memory = memory;
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  const shares = f.cpuShare ?? f.cpuShares;
  if (shares !== undefined) cpu.shares = parseInteger('cpu-share', shares);
  if (f.cpuPeriod !== undefined) cpu.period = parseInteger('cpu-period', f.cpuPeriod);
  if (f.cpuQuota !== undefined) cpu.quota = parseInteger('cpu-quota', f.cpuQuota);
  if (f.cpuRtPeriod !== undefined) cpu.realtimePeriod = parseInteger('cpu-rt-period', f.cpuRtPeriod);
  if (f.cpuRtRuntime !== undefined) cpu.realtimeRuntime = parseInteger('cpu-rt-runtime', f.cpuRtRuntime);
  if (f.cpusetCpus !== undefined) cpu.cpus = f.cpusetCpus;
  if (f.cpusetMems !== undefined) cpu.mems = f.cpusetMems;
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (f.pidsLimit !== undefined) r.pids = { limit: parseInteger('pids-limit', f.pidsLimit) };
  if (f.blkioWeight !== undefined) r.blockIO = { weight: parseInteger('blkio-weight', f.blkioWeight) };
  return r;
}

/** A resources document (-r), checked against the schema of linux.resources. */
export function resourcesFromJson(text: string, source: string): LinuxResources {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`${source}: not valid JSON: ${(e as Error).message}`);
  }
  const err = schemaError({ ociVersion: '1.0.0', linux: { resources: doc } }, source);
  if (err) throw err;
  return doc as LinuxResources;
}

export async function update(ctx: CliContext, id: string, flags: UpdateFlags): Promise<void> {
  const container = await ctx.factory.load(id);
  let resources: LinuxResources;
  if (flags.resources !== undefined) {
    const source = flags.resources === '-' ? 'stdin' : flags.resources;
    resources = resourcesFromJson(readFileSync(flags.resources === '-' ? 0 : flags.resources, 'utf8'), source);
  } else {
    resources = resourcesFromFlags(flags);
  }
  for (const w of await container.update(resources)) ctx.logger.warn(w);
}

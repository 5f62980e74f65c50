// `ocirun spec`: writes a default config.json into the bundle, as `runc spec` does.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.ts';
import { defaultSpec, rootlessSpec } from '../spec/defaults.ts';
import type { CliContext } from './context.ts';

export interface SpecFlags {
  bundle?: string;
  rootless?: boolean;
}

export function spec(_ctx: CliContext, flags: SpecFlags): void {
  const file = join(resolve(flags.bundle ?? '.'), 'config.json');
  if (existsSync(file)) throw new InvalidArgumentError('File config.json exists. Remove it first');
  const doc = flags.rootless ? rootlessSpec() : defaultSpec();
  writeFileSync(file, JSON.stringify(doc, null, '\t'), { mode: 0o666 });
}

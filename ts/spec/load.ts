// Loading a bundle: config.json as raw bytes (passed on unchanged, so 64-bit values keep their
// precision), parsed and validated, with the paths the runtime needs made absolute.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError, type OciRunError } from '../errors.ts';
import { checkSpec } from './checks.ts';
import type { Spec } from './types.ts';
import { parseConfig } from './validate.ts';

export interface Bundle {
  /** Absolute path of the bundle directory. */
  dir: string;
  /** Absolute path of the root filesystem. */
  rootfs: string;
  /** config.json exactly as read. */
  raw: Buffer;
  spec: Spec;
}

function fsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code === 'ENOENT' ? 'does not exist' : err.code === 'ENOTDIR' ? 'is not a directory' : err.message;
}

/** A validated spec with its bundle paths, from config bytes already in hand. */
export function bundleFromConfig(dir: string, raw: Buffer): Bundle {
  const abs = resolve(dir);
  const spec = parseConfig(raw.toString('utf8'));
  const problem: OciRunError | null = checkSpec(spec);
  if (problem) throw problem;
  const rootPath = spec.root?.path ?? '';
  const rootfs = isAbsolute(rootPath) ? rootPath : join(abs, rootPath);
  let isDir: boolean;
  try {
    isDir = statSync(rootfs).isDirectory();
  } catch (e) {
    throw new ConfigError('root.path', `${rootfs} ${fsError(e)}`);
  }
  if (!isDir) throw new ConfigError('root.path', `${rootfs} is not a directory`);
  return { dir: abs, rootfs, raw, spec };
}

/** Reads and validates BUNDLE/config.json. */
export function loadBundle(dir: string): Bundle {
  const abs = resolve(dir);
  let raw: Buffer;
  try {
    raw = readFileSync(join(abs, 'config.json'));
  } catch (e) {
    throw new ConfigError('', `cannot be read from the bundle ${abs}: ${fsError(e)}`);
  }
  return bundleFromConfig(abs, raw);
}

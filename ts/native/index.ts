// The one place that loads the native addon: the local build first (a checkout), then the
// per-arch npm package. Everything else reaches native code through `native()`.
import { packageRoot, requireModule, requirePackageFile } from '../paths.ts';
import { ConfigError, HookError, InitError, NativeUnavailableError, type OciRunError, SystemError } from '../errors.ts';
import type * as Binding from './binding.js';

export type Native = typeof Binding;
export type { NativeFailure, ProcessStat, ExitWatch, InitHandle, DirLock, HookState } from './binding.js';

let loaded: Native | undefined;

/** The platform triple of the per-arch package ("linux-x64-gnu"). */
export function platformTriple(): string {
  return `${process.platform}-${process.arch}-gnu`;
}

export function native(): Native {
  if (loaded) return loaded;
  const triple = platformTriple();
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
    throw new NativeUnavailableError(`ocirun runs on Linux x64 and arm64 only, not on ${process.platform}-${process.arch}`);
  }
  const local = `./ocirun.${triple}.node`;
  const pkg = `ocirun-${triple}`;
  const errors: string[] = [];
  for (const load of [() => requirePackageFile<Native>(local), () => requireModule<Native>(pkg)]) {
    try {
      loaded = load();
      return loaded;
    } catch (e) {
      errors.push((e as Error).message.split('\n')[0] ?? String(e));
    }
  }
  throw new NativeUnavailableError(
    `no native addon for ${triple}: neither a local build (${local} in ${packageRoot}) nor the package ${pkg} could be loaded (${errors.join('; ')})`,
  );
}

/** Turns a failure the addon reported into ocirun's typed error. */
export function toError(f: Binding.NativeFailure, context?: string): OciRunError {
  if (f.code === 'ECONFIG' && f.field) {
    const prefix = `${f.field}: `;
    return new ConfigError(f.field, f.message.startsWith(prefix) ? f.message.slice(prefix.length) : f.message);
  }
  const message = context ? `${context}: ${f.message}` : f.message;
  if (f.code === 'EINIT' && f.step) return new InitError(f.step, f.errno ?? undefined, message);
  if (f.code === 'EHOOK') return new HookError(f.step ?? '', f.errno ?? undefined, message);
  return new SystemError(f.code, f.errno ?? undefined, message);
}

// Where ocirun's own files are, whether this module runs from source (ts/) or from the bundle
// (dist/): both sit one directory below the package root.
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const packageRoot: string = join(import.meta.dirname, '..');

const requireFromPackage = createRequire(join(packageRoot, 'package.json'));

/** Set by the CLI's boot (ts/cli/boot.ts): loads a file with a post-run V8 code cache. */
const chunkLoader = (globalThis as Record<symbol, unknown>)[Symbol.for('ocirun.loadChunk')] as ((file: string) => unknown) | undefined;

/** Loads a CommonJS file of the package synchronously (a build output, or the .node addon). */
export function requirePackageFile<T>(relative: string): T {
  if (chunkLoader && relative.endsWith('.cjs')) return chunkLoader(join(packageRoot, relative)) as T;
  return requireFromPackage(relative) as T;
}

/** Loads a module resolved from the package (a dependency, such as a per-arch package). */
export function requireModule<T>(name: string): T {
  return requireFromPackage(name) as T;
}

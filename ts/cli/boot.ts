// How bin/ocirun starts the CLI bundle fast. Container managers start ocirun once per
// operation, so start-up is paid three to five times per container.
//
// The bundle (and the chunks it loads, such as the config validator) is compiled with a V8
// code cache taken at the end of an earlier run of the same command, so the cache holds every
// function that command executed; Node's own compile cache only holds what V8 compiled before
// running, and most functions are compiled lazily, on first call. One cache per command and
// file, made on the command's first run. Caches live in the package's dist/.code-cache, which
// must be owned by this user or root and closed to others: cached code runs with ocirun's
// privileges. A user who cannot use that one (rootless ocirun in a root-installed package)
// keeps caches of their own, under $XDG_CACHE_HOME or ~/.cache, or /tmp/ocirun-cache-UID.
import { accessSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The hook through which the bundle loads its chunks with the same cache (see paths.ts). */
export const CHUNK_LOADER = Symbol.for('ocirun.loadChunk');

/** The first argument that is not a global flag or its value: the command's name. */
function commandOf(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--root' || a === '--log' || a === '--log-format' || a === '--rootless') i++;
    else if (!a.startsWith('-')) return /^[a-z]+$/.test(a) ? a : 'other';
  }
  return 'none';
}

/** A directory only this user (or root) can write, or null. */
function privateDir(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // lstat: a symlink planted at a shared path such as /tmp must not lead root's caches elsewhere.
    const st = lstatSync(dir);
    const uid = process.getuid?.() ?? 0;
    const safe = st.isDirectory() && (st.uid === uid || st.uid === 0) && (st.mode & 0o022) === 0;
    // Root's directory is safe for anyone to trust but of no use to others: they cannot read it.
    if (safe) accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    return safe ? dir : null;
  } catch {
    return null;
  }
}

function readCache(file: string): Buffer | undefined {
  try {
    const fd = openSync(file, 'r');
    try {
      const st = fstatSync(fd);
      const uid = process.getuid?.() ?? 0;
      if ((st.uid !== uid && st.uid !== 0) || (st.mode & 0o022) !== 0) return undefined;
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

type ModuleFn = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

class CachedLoader {
  readonly #dir: string | null;
  readonly #command: string;
  readonly #pending: { file: string; script: Script }[] = [];

  constructor(dir: string | null, command: string) {
    this.#dir = dir;
    this.#command = command;
    if (dir) process.once('exit', () => this.#save());
  }

  /** Loads a CommonJS file, compiled with its cache when there is a valid one. */
  load(file: string): unknown {
    const source = readFileSync(file, 'utf8');
    const st = statSync(file);
    const key = `${process.version}-${process.arch}-${basename(file)}-${st.size}-${Math.trunc(st.mtimeMs)}-${this.#command}.v8`;
    const cacheFile = this.#dir ? join(this.#dir, key) : null;
    const cached = cacheFile ? readCache(cacheFile) : undefined;
    const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
    const script = new Script(wrapped, { filename: file, ...(cached ? { cachedData: cached } : {}) });
    if (cacheFile && (!cached || script.cachedDataRejected)) this.#pending.push({ file: cacheFile, script });
    const mod = { exports: {} };
    (script.runInThisContext() as ModuleFn)(mod.exports, module.createRequire(file), mod, file, dirname(file));
    return mod.exports;
  }

  /** At exit, after the command ran: the caches now hold what it executed. */
  #save(): void {
    for (const { file, script } of this.#pending) {
      try {
        const tmp = `${file}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, file);
        this.#prune(file);
      } catch {
        // A cache is an optimisation; without one the next run compiles as usual.
      }
    }
  }

  /** Removes this command's caches of earlier builds of the same file. */
  #prune(current: string): void {
    const name = basename(current);
    const parts = name.split('-');
    const file = parts.slice(2, -3).join('-');
    const suffix = `-${this.#command}.v8`;
    for (const entry of readdirSync(dirname(current))) {
      if (entry !== name && entry.endsWith(suffix) && entry.includes(`-${file}-`)) rmSync(join(dirname(current), entry), { force: true });
    }
  }
}

/** The package's cache directory, or else one of this user's own. */
function cacheDir(packageRoot: string): string | null {
  const own = privateDir(join(packageRoot, 'dist', '.code-cache'));
  if (own) return own;
  const env = process.env;
  const base = env['XDG_CACHE_HOME'] || (env['HOME'] ? join(env['HOME'], '.cache') : '');
  return (base && privateDir(join(base, 'ocirun', 'code-cache'))) || privateDir(`/tmp/ocirun-cache-${process.getuid?.() ?? 0}`);
}

export function boot(packageRoot: string): void {
  const loader = new CachedLoader(cacheDir(packageRoot), commandOf(process.argv.slice(2)));
  (globalThis as Record<symbol, unknown>)[CHUNK_LOADER] = (file: string) => loader.load(file);
  loader.load(join(packageRoot, 'dist', 'ocirun.cjs'));
}

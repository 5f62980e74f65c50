// Builds ocirun's JavaScript: the config.json validator (ocirun's schema compiled by ajv into
// standalone code), the CLI bundle, the lazily loaded logging engine, and the library bundle.
// Run with a Node that strips types (22.18+): node scripts/build.ts
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { build, type BuildOptions } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '../ts/spec/schema/config.ts';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

// 1. The validator: compiled once here, so that no ocirun call compiles a schema.
const ajv = new Ajv({ code: { source: true, esm: false }, allErrors: false, strict: 'log' });
const validate = ajv.compile(JSON.parse(JSON.stringify(ConfigSchema)));
const validatorSource = standalone.default(ajv, validate);
writeFileSync(join(dist, 'validate-config.src.cjs'), validatorSource);

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  logLevel: 'warning',
  legalComments: 'none',
};

/**
 * commander imports node:child_process (for subcommands that are separate executables, which
 * ocirun does not have); loading it pulls in net, dgram and streams, about 3 ms of every CLI
 * call. The CLI bundle gets a stub in its place that fails loudly if ever used.
 */
const noChildProcessForCommander = {
  name: 'no-child-process-for-commander',
  setup(b: { onResolve: Function; onLoad: Function }) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args: { importer: string }) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'child_process', namespace: 'ocirun-stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'ocirun-stub' }, () => ({
      contents: 'const fail = () => { throw new Error("ocirun: executable subcommands are not supported"); }; module.exports = { spawn: fail, execFileSync: fail };',
      loader: 'js',
    }));
  },
};

const cjs: BuildOptions = {
  ...common,
  format: 'cjs',
  define: {
    'import.meta.dirname': '__dirname',
    __OCIRUN_VERSION__: JSON.stringify(pkg.version),
    __OCIRUN_COMMIT__: JSON.stringify(commit()),
  },
};

await Promise.all([
  build({ ...common, format: 'cjs', minify: true, entryPoints: [join(dist, 'validate-config.src.cjs')], outfile: join(dist, 'validate-config.cjs') }),
  build({ ...cjs, entryPoints: [join(root, 'ts/log/engine.ts')], outfile: join(dist, 'tslog.cjs') }),
  build({ ...cjs, minify: true, plugins: [noChildProcessForCommander], entryPoints: [join(root, 'ts/cli/entry.ts')], outfile: join(dist, 'ocirun.cjs') }),
  build({
    ...common,
    format: 'esm',
    entryPoints: [join(root, 'ts/index.ts')],
    outfile: join(dist, 'index.mjs'),
    define: { __OCIRUN_VERSION__: JSON.stringify(pkg.version), __OCIRUN_COMMIT__: JSON.stringify(commit()) },
  }),
]);

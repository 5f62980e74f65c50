// Builds ocirun's JavaScript: the config.json and process.json validators (ocirun's schema
// compiled by ajv into standalone code), the CLI bundle, the lazily loaded logging engine, and the library bundle.
// Run with a Node that strips types (22.18+): node scripts/build.ts
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { build, type BuildOptions } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '../ts/spec/schema/config.ts';
import { Process } from '../ts/spec/schema/process.ts';

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

/**
 * The validator: compiled once here, so that no ocirun call compiles a schema. ajv emits one
 * large function, which V8 would compile lazily on its first call (7 ms here, on every
 * `ocirun create`). Wrapped in parentheses, V8 compiles it eagerly with the script, so Node's
 * compile cache holds it. Its only dependency, ajv's ucs2length, is replaced by an equivalent
 * so that the file needs no bundling (a bundler would drop the parentheses).
 */
function validatorModule(schema: object): string {
  const ajv = new Ajv({ code: { source: true, esm: false }, allErrors: false, strict: 'log' });
  const validate = ajv.compile(JSON.parse(JSON.stringify(schema)));
  let src = standalone.default(ajv, validate);
  const name = /^"use strict";module\.exports = (validate\d+);module\.exports\.default = \1;/.exec(src)?.[1];
  if (!name || !src.trimEnd().endsWith('}')) throw new Error('ajv standalone output is not in the expected form');
  src = src.replace(`module.exports = ${name};module.exports.default = ${name};`, '');
  src = src.replaceAll('require("ajv/dist/runtime/ucs2length").default', '((s) => { let n = 0; for (const _ of s) n++; return n; })');
  // ocirun reports errors by instance path; the schema paths (a fifth of the code) go.
  src = src.replace(/schemaPath:"[^"]*"/g, 'schemaPath:""');
  if (src.includes('require(')) throw new Error('the validator needs a runtime module the build does not inline');
  src = src.replace(`function ${name}(`, `const ${name} = (function ${name}(`);
  return `${src.trimEnd()});\nmodule.exports = ${name};\nmodule.exports.default = ${name};\n`;
}
writeFileSync(join(dist, 'validate-config.cjs'), validatorModule(ConfigSchema));
// `exec --process FILE` reads a process.json: the spec's Process on its own.
writeFileSync(join(dist, 'validate-process.cjs'), validatorModule(Process));

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
  build({ ...cjs, entryPoints: [join(root, 'ts/log/engine.ts')], outfile: join(dist, 'tslog.cjs') }),
  build({ ...cjs, minify: true, entryPoints: [join(root, 'ts/cli/boot.ts')], outfile: join(dist, 'boot.cjs') }),
  build({ ...cjs, minify: true, plugins: [noChildProcessForCommander], entryPoints: [join(root, 'ts/cli/entry.ts')], outfile: join(dist, 'ocirun.cjs') }),
  build({
    ...common,
    format: 'esm',
    entryPoints: [join(root, 'ts/index.ts')],
    outfile: join(dist, 'index.mjs'),
    define: { __OCIRUN_VERSION__: JSON.stringify(pkg.version), __OCIRUN_COMMIT__: JSON.stringify(commit()) },
  }),
]);

// The npm packages as users get them: packed, installed into an empty project, and used with
// the source tree out of reach; and the README's example, run as written.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { nodeBinDir, projectRoot } from '../helpers/paths.ts';

let work: string;
let bundle: TestBundle;
let project: string;
const env = { ...process.env, PATH: `${nodeBinDir}:${process.env['PATH'] ?? ''}` };

test.before(() => {
  work = mkdtempSync(join(tmpdir(), 'ocirun-dist-'));
  bundle = makeBundle(['sh', '-c', 'echo hello from the installed ocirun'], work);
  bundle.write();
  const packs = join(work, 'packs');
  execFileSync('bash', [join(projectRoot, 'scripts/pack.sh'), packs], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
  const tarballs = readdirSync(packs).map((f) => join(packs, f));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', ...tarballs], { cwd: project, env, stdio: 'ignore' });
});

test.after.always(() => {
  bundle?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * Runs a shell script in the consumer project inside a private mount namespace where the
 * source tree is an empty tmpfs: only what npm installed can be used. Node itself is bound
 * in from the tools directory first.
 */
function installed(script: string): { code: number | null; stdout: string; stderr: string } {
  const nodeDir = dirname(realpathSync(join(nodeBinDir, 'node')));
  const nodeMount = join(work, 'node-bin');
  mkdirSync(nodeMount, { recursive: true });
  const wrapper = `mount --bind ${nodeDir} ${nodeMount} && mount -t tmpfs none ${projectRoot} && export PATH=${nodeMount}:/usr/sbin:/usr/bin:/sbin:/bin && cd ${project} && ${script}`;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', wrapper], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test.serial('the packages hold what they should, and the arm64 one only if its addon exists', (t) => {
  const tarballs = readdirSync(join(work, 'packs'));
  t.true(tarballs.includes('ocirun-0.1.0.tgz'));
  t.true(tarballs.includes('ocirun-linux-x64-gnu-0.1.0.tgz'));
  t.false(tarballs.includes('ocirun-linux-arm64-gnu-0.1.0.tgz'), 'no arm64 addon can be built here, and none is faked');
  const main = execFileSync('tar', ['tzf', join(work, 'packs', 'ocirun-0.1.0.tgz')], { encoding: 'utf8' });
  t.false(/\.node$/m.test(main), 'the addon ships in the platform package only');
  t.true(main.includes('package/dist/types/index.d.ts'));
  const pkg = JSON.parse(execFileSync('tar', ['xzf', join(work, 'packs', 'ocirun-0.1.0.tgz'), '-O', 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
  t.deepEqual(pkg['optionalDependencies'], { 'ocirun-linux-arm64-gnu': '0.1.0', 'ocirun-linux-x64-gnu': '0.1.0' });
  t.is(pkg['devDependencies'], undefined, 'the published package has no build-time dependencies');
});

test.serial('npx ocirun --version works from the installed packages alone', (t) => {
  const r = installed('npx ocirun --version');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^ocirun version 0\.1\.0\ncommit: .+\nspec: 1\.3\.0\n/);
});

test.serial('the installed CLI writes a spec and runs a real container', (t) => {
  const root = join(work, 'state');
  const r = installed(
    `mkdir -p ${join(work, 'spec-out')} && npx ocirun spec --bundle ${join(work, 'spec-out')} && test -f ${join(work, 'spec-out', 'config.json')} && npx ocirun --root ${root} run -b ${bundle.dir} dist-cli`,
  );
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(r.stdout, 'hello from the installed ocirun\n');
});

test.serial('import("ocirun") from the installed package runs a container', (t) => {
  const script = join(project, 'use.mjs');
  writeFileSync(
    script,
    `import { Factory, spec } from 'ocirun';
const f = new Factory({ root: ${JSON.stringify(join(work, 'lib-state'))} });
const config = spec.default().rootfs(${JSON.stringify(bundle.rootfs)}).args('sh', '-c', 'exit 5').build();
const r = await f.run('dist-lib', { bundle: ${JSON.stringify(bundle.dir)}, config, stdio: 'ignore' });
console.log(JSON.stringify(r));
`,
  );
  const r = installed('node use.mjs');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '{"status":5}\n');
});

test.serial('the installed type declarations stand alone under a strict type check', (t) => {
  writeFileSync(
    join(project, 'check.ts'),
    `import { Factory, spec, type ContainerEvent, type Spec, InitError } from 'ocirun';
const s: Spec = spec.default().args('true').memory(1 << 20).build();
const f = new Factory({ root: '/tmp/x' });
async function main(): Promise<number> {
  const c = await f.create('x', { bundle: '/b', config: s, stdio: 'pipe' });
  for await (const e of c.events()) {
    const ev: ContainerEvent = e;
    if (ev.type === 'exit') return ev.status ?? -1;
  }
  try { await c.start(); } catch (e) { if (e instanceof InitError) return e.step.length; }
  return (await c.wait()).status;
}
void main;
`,
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(projectRoot, 'node_modules/@types')] },
      files: ['check.ts'],
    }),
  );
  const r = spawnSync(join(projectRoot, 'node_modules/.bin/tsc'), ['-p', project], { encoding: 'utf8', env });
  t.is(r.status, 0, r.stdout + r.stderr);
});

test.serial('the README example runs against the build', (t) => {
  const r = spawnSync('node', [join(projectRoot, 'examples/run-container.ts'), bundle.rootfs], { encoding: 'utf8', env });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^container says: hello from example$/m);
  t.regex(r.stdout, /^event: exit\nexit status: 0\n$/m);
});

// `ocirun features`: valid against the spec's features schema, runc's shape, and every name it
// lists accepted in a real container.
import test from 'ava';
import { Ajv } from 'ajv';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { Features } from '../../ts/container/features.ts';
import { OCI_VERSION } from '../../ts/spec/defaults.ts';
import type { Mount, Namespace, Spec } from '../../ts/spec/types.ts';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { Runtime, uniqueId } from '../helpers/cli.ts';
import { projectRoot, specDir } from '../helpers/paths.ts';

type Seccomp = NonNullable<NonNullable<Spec['linux']>['seccomp']>;

let rt: Runtime;
let bundle: TestBundle;
let features: Features;

test.before(() => {
  rt = new Runtime();
  bundle = makeBundle(['true']);
  const r = rt.run(['features']);
  if (r.code !== 0) throw new Error(`features: ${r.stderr}`);
  features = JSON.parse(r.stdout) as Features;
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
});

/** One of the spec's schemas, without its draft-04 marker (ajv reads the rest as it is). */
function schema(name: string): Record<string, unknown> {
  const doc = JSON.parse(readFileSync(join(specDir, 'schema', name), 'utf8')) as Record<string, unknown>;
  delete doc['$schema'];
  return doc;
}

/** Runs `true` in a container whose spec `edit` changed; the run must succeed. */
function runs(edit: (s: Spec) => void): { code: number; stderr: string } {
  bundle.write(edit);
  return rt.run(['run', '-b', bundle.dir, uniqueId('ft')]);
}

test.serial('the output is valid against the spec\'s features schema', (t) => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const name of ['defs.json', 'defs-linux.json', 'features-linux.json']) ajv.addSchema(schema(name), name);
  const validate = ajv.compile(schema('features-schema.json'));
  t.true(validate(features), JSON.stringify(validate.errors));
  t.is(features.ociVersionMin, '1.0.0');
  t.is(features.ociVersionMax, OCI_VERSION);
  t.true(features.linux.seccomp.supportedFlags.every((f) => features.linux.seccomp.knownFlags.includes(f)));
});

test.serial('the output has runc\'s shape: its keys, and only keys the spec defines beside them', (t) => {
  const r = spawnSync('runc', ['features'], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const runc = JSON.parse(r.stdout) as Record<string, unknown> & { linux: Record<string, unknown> };
  const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v);
  for (const [where, theirs, ours] of [
    ['top level', runc, features],
    ['linux', runc.linux, features.linux],
  ] as const) {
    for (const [key, value] of Object.entries(theirs)) t.is(typeOf((ours as Record<string, unknown>)[key]), typeOf(value), `${where}.${key}`);
  }
  // runc 1.1 predates some of the spec's keys; ours beyond its keys must be the spec's own.
  const specText = readFileSync(join(specDir, 'features.md'), 'utf8') + readFileSync(join(specDir, 'features-linux.md'), 'utf8');
  for (const key of [...Object.keys(features), ...Object.keys(features.linux)]) t.true(specText.includes(`**\`${key}\`**`), key);
  t.deepEqual(Object.keys(features.linux.cgroup).sort(), ['rdma', 'systemd', 'systemdUser', 'v1', 'v2']);
  t.false(features.linux.cgroup.systemd, 'the systemd driver is refused');
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  t.is(features.annotations['io.github.ocirun.version'], pkg.version);
  t.regex(features.annotations['io.github.ocirun.commit'] ?? '', /^([0-9a-f]{40}|unknown)$/);
});

test.serial('every seccomp action, operator, architecture and supported flag is accepted in a profile', async (t) => {
  const { actions, operators, archs, supportedFlags } = features.linux.seccomp;
  // Syscalls `true` never makes, one per action; SCMP_ACT_NOTIFY hands its listener to an agent.
  const unused = ['acct', 'swapon', 'swapoff', 'syslog', 'vhangup', 'quotactl', 'iopl', 'ioperm', 'kexec_load', 'reboot'];
  t.true(actions.length <= unused.length);
  const dir = join(bundle.dir, 'agent');
  mkdirSync(dir, { recursive: true });
  const agent: Server = createServer((c) => c.resume());
  await new Promise<void>((resolve) => agent.listen(join(dir, 'agent.sock'), resolve));
  try {
    const r = runs((s) => {
      s.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: archs,
        flags: supportedFlags,
        listenerPath: join(dir, 'agent.sock'),
        syscalls: [
          ...actions.map((action, i) => ({ names: [unused[i]], action })),
          { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', args: operators.map((op, index) => ({ index: index % 2, value: 1, valueTwo: 1, op })) },
        ],
      } as Seccomp;
    });
    t.is(r.code, 0, r.stderr);
  } finally {
    agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('every mount option listed is taken (none reaches the filesystem as a parameter)', (t) => {
  const src = join(bundle.dir, 'src');
  mkdirSync(src, { recursive: true });
  const isBindOption = (o: string) => ['bind', 'rbind'].includes(o) || /^r?(private|shared|slave|unbindable)$/.test(o) || (/^r/.test(o) && !['rw', 'ro', 'relatime', 'remount'].includes(o));
  const failed: string[] = [];
  // An idmapped bind needs a mapping: its own, here.
  const map = [{ containerID: 0, hostID: 0, size: 1 }];
  const isIdmap = (o: string) => o === 'idmap' || o === 'ridmap';
  for (const o of features.mountOptions) {
    const mounts: Mount[] = isIdmap(o)
      ? [{ destination: '/mnt', type: 'bind', source: src, options: ['bind', o], uidMappings: map, gidMappings: map }]
      : isBindOption(o)
        ? [{ destination: '/mnt', type: 'bind', source: src, options: ['bind', o] }]
        : [{ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: o === 'remount' ? [] : [o] }];
    // remount changes a mount that is there already.
    if (o === 'remount') mounts.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['remount', 'ro'] });
    const r = runs((s) => s.mounts!.push(...mounts));
    if (r.code !== 0) failed.push(`${o}: ${r.stderr.trim()}`);
  }
  t.deepEqual(failed, []);
  t.true(features.mountOptions.includes('nosymfollow') && features.mountOptions.includes('rro'));
});

test.serial('every capability and namespace listed is accepted', (t) => {
  const caps = features.linux.capabilities;
  const r = runs((s) => {
    s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
    s.linux!.namespaces = features.linux.namespaces.map((type) => ({ type }) as Namespace);
    s.linux!.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
  });
  t.is(r.code, 0, r.stderr);
});

test.serial('idmapped mounts are announced', (t) => {
  t.true(features.linux.mountExtensions.idmap.enabled);
  t.true(features.mountOptions.includes('idmap'));
  t.true(features.mountOptions.includes('ridmap'));
});

test.serial('what is left out is what ocirun refuses for now', (t) => {
  t.false(features.linux.intelRdt.enabled);
});

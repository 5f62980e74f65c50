// The schema check of config.json against the runtime-spec's own good and bad fixtures.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../ts/errors.ts';
import { defaultSpec } from '../../../ts/spec/defaults.ts';
import { jsonPath, parseConfig } from '../../../ts/spec/validate.ts';
import { fixturesDir } from '../../helpers/paths.ts';

/** The Linux fixtures: the other platforms' are not ocirun's to accept or refuse. */
const isLinuxFixture = (name: string) => /^(linux-|minimal|spec-example|invalid-json)/.test(name);

for (const name of readdirSync(join(fixturesDir, 'good')).filter(isLinuxFixture)) {
  test(`good fixture ${name} passes`, (t) => {
    t.notThrows(() => parseConfig(readFileSync(join(fixturesDir, 'good', name), 'utf8')));
  });
}

for (const name of readdirSync(join(fixturesDir, 'bad')).filter(isLinuxFixture)) {
  test(`bad fixture ${name} is refused`, (t) => {
    t.throws(() => parseConfig(readFileSync(join(fixturesDir, 'bad', name), 'utf8')), { instanceOf: ConfigError });
  });
}

test('the Linux fixtures are all exercised', (t) => {
  const all = [...readdirSync(join(fixturesDir, 'good')), ...readdirSync(join(fixturesDir, 'bad'))];
  t.true(all.filter(isLinuxFixture).length >= 9);
});

test('a bad field is named by its JSON path', (t) => {
  const text = readFileSync(join(fixturesDir, 'bad', 'linux-hugepage.json'), 'utf8');
  const err = t.throws(() => parseConfig(text), { instanceOf: ConfigError });
  t.is(err?.field, 'linux.resources.hugepageLimits[0].pageSize');
  t.regex(err?.message ?? '', /^config\.json: linux\.resources\.hugepageLimits\[0\]\.pageSize: .*"64kB"/);
});

test('a missing required field is named', (t) => {
  const err = t.throws(() => parseConfig('{"root":{"path":"rootfs"}}'), { instanceOf: ConfigError });
  t.is(err?.field, 'ociVersion');
  t.regex(err?.message ?? '', /is required/);
});

test('a value outside an enum lists the allowed values', (t) => {
  const spec = defaultSpec();
  (spec.linux!.namespaces![0] as { type: string }).type = 'bogus';
  const err = t.throws(() => parseConfig(JSON.stringify(spec)), { instanceOf: ConfigError });
  t.is(err?.field, 'linux.namespaces[0].type');
  t.regex(err?.message ?? '', /must be one of "pid", "network"/);
});

test('malformed JSON is a config error, not a crash', (t) => {
  const err = t.throws(() => parseConfig('{]'), { instanceOf: ConfigError });
  t.regex(err?.message ?? '', /^config\.json: is not valid JSON/);
});

test('unknown properties are ignored, as the spec requires', (t) => {
  const spec = { ...defaultSpec(), someExtension: { a: 1 } };
  t.notThrows(() => parseConfig(JSON.stringify(spec)));
});

test('the default spec is valid', (t) => {
  t.notThrows(() => parseConfig(JSON.stringify(defaultSpec())));
});

test('JSON pointers become dotted paths with indices', (t) => {
  t.is(jsonPath('/linux/devices/3/major'), 'linux.devices[3].major');
  t.is(jsonPath(''), '');
  t.is(jsonPath('/annotations/a~1b'), 'annotations.a/b');
});

test('a bad hook is named: relative path, zero timeout, no path', (t) => {
  const withHooks = (hooks: unknown) => JSON.stringify({ ...defaultSpec(), hooks });
  const relative = t.throws(() => parseConfig(withHooks({ createRuntime: [{ path: '/bin/true' }, { path: 'bin/true' }] })), { instanceOf: ConfigError });
  t.is(relative?.message, 'config.json: hooks.createRuntime[1].path: must be an absolute path (got "bin/true")');
  const zero = t.throws(() => parseConfig(withHooks({ poststart: [{ path: '/bin/true', timeout: 0 }] })), { instanceOf: ConfigError });
  t.is(zero?.field, 'hooks.poststart[0].timeout');
  t.regex(zero?.message ?? '', /must be >= 1/);
  const missing = t.throws(() => parseConfig(withHooks({ poststop: [{ args: ['x'] }] })), { instanceOf: ConfigError });
  t.is(missing?.field, 'hooks.poststop[0].path');
  t.notThrows(() => parseConfig(withHooks({ startContainer: [{ path: '/bin/true', args: ['true'], env: [], timeout: 1 }] })));
});

// Rootless mode: when it applies, where its state goes, and what it refuses.
import test from 'ava';
import { ConfigError } from '../../../ts/errors.ts';
import { isRootless, rootlessCgroupProblem, rootlessRoot } from '../../../ts/container/rootless.ts';

test('auto is rootless exactly when the caller is not root over the host', (t) => {
  t.deepEqual([isRootless('auto', 0, false), isRootless('auto', 1000, false)], [false, true]);
});

test('auto is rootless for root in a user namespace, as rootless podman runs its runtime', (t) => {
  t.true(isRootless('auto', 0, true));
});

test('true and false override the caller\'s uid', (t) => {
  t.deepEqual([isRootless('true', 0, false), isRootless('false', 1000, true)], [true, false]);
});

test('state goes under $XDG_RUNTIME_DIR/ocirun, else a per-user directory in /tmp', (t) => {
  t.is(rootlessRoot({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), '/run/user/1000/ocirun');
  t.is(rootlessRoot({}, 1000), '/tmp/ocirun-1000');
});

test('a resource setting is refused, naming it', (t) => {
  const problem = rootlessCgroupProblem({ ociVersion: '1.3.0', linux: { resources: { pids: { limit: 10 } } } });
  t.true(problem instanceof ConfigError);
  t.regex(problem?.message ?? '', /linux\.resources\.pids: cannot be applied in rootless mode/);
});

test('device rules and empty sections are no problem', (t) => {
  const spec = { ociVersion: '1.3.0', linux: { resources: { devices: [{ allow: false, access: 'rwm' }], memory: {} } } };
  t.is(rootlessCgroupProblem(spec), null);
});

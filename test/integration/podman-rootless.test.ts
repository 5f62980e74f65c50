// Rootless podman (run by an unprivileged user, its own user namespace from /etc/subuid and
// /etc/subgid) with ocirun as its runtime. podman runs ocirun as root in that namespace, with
// no user namespace in the config: ocirun must see it is not root over the host.
import test from 'ava';
import { IMAGE, missingTools, Podman } from '../helpers/managers.ts';
import { rootlessUser } from '../helpers/rootless-user.ts';

const skip = missingTools('podman', 'conmon', 'newuidmap');
if (skip) console.log(`rootless podman tests skipped: ${skip}`);
const ptest = skip ? test.serial.skip : test.serial;

let podman: Podman;
let uid = 0;
let subBase = 0;

test.before(() => {
  if (skip) return;
  const user = rootlessUser();
  ({ uid, subBase } = user);
  podman = new Podman({}, user);
});

test.after.always(() => {
  podman?.destroy();
});

ptest('rootless podman run --rm gives the output, root inside mapped to the user and its subordinate ids', (t) => {
  const r = podman.run(['run', '--rm', IMAGE, 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  t.deepEqual(lines, ['0', `0 ${uid} 1`, `1 ${subBase} 65536`]);
  t.true(podman.runtime.calls().some((c) => c.includes('create')));
});

ptest('rootless podman keeps ocirun\'s state under its XDG_RUNTIME_DIR', (t) => {
  const id = podman.run(['run', '-d', IMAGE, 'sleep', '300']).stdout.trim();
  t.teardown(() => podman.run(['rm', '--force', '--time', '0', id]));
  const create = podman.runtime.calls().find((c) => c.includes('create') && c.includes(id));
  t.truthy(create);
  const list = podman.run(['unshare', 'sh', '-c', `ls "$XDG_RUNTIME_DIR/ocirun"`]);
  t.true(list.stdout.split('\n').includes(id), list.stdout + list.stderr);
});

ptest('rootless podman exec runs in the container', (t) => {
  const id = podman.run(['run', '-d', IMAGE, 'sleep', '300']).stdout.trim();
  t.teardown(() => podman.run(['rm', '--force', '--time', '0', id]));
  const r = podman.run(['exec', id, 'sh', '-c', 'echo from exec; id -u']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'from exec\n0\n');
});

ptest('rootless podman --user runs the process as that user', (t) => {
  const r = podman.run(['run', '--rm', '--user', '1000:1000', IMAGE, 'id', '-u']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '1000\n');
});

ptest('rootless podman stop and rm', (t) => {
  const id = podman.run(['run', '-d', IMAGE, 'sleep', '300']).stdout.trim();
  t.is(podman.run(['stop', '--time', '0', id]).code, 0);
  t.is(podman.run(['inspect', '--format', '{{.State.Status}}', id]).stdout.trim(), 'exited');
  t.is(podman.run(['rm', id]).code, 0);
});

// The protections a container relies on. Each test plays the attack and fails if the
// protection is removed. Replays of known CVEs are in attacks.test.ts.
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { Runtime, runScript, uniqueId } from '../helpers/cli.ts';
import { hostMounts, waitFor } from '../helpers/procs.ts';

let rt: Runtime;
let bundle: TestBundle;
let host: string;

test.before(() => {
  rt = new Runtime();
  bundle = makeBundle();
  host = mkdtempSync(join(tmpdir(), 'ocirun-victim-'));
  writeFileSync(join(host, 'victim'), 'untouched\n');
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
  rmSync(host, { recursive: true, force: true });
});

const sh = (script: string, edit?: Parameters<typeof runScript>[3]) => runScript(rt, bundle, script, edit);

test.serial('a mount target behind an absolute symlink to a host directory stays in the rootfs', (t) => {
  symlinkSync(host, join(bundle.rootfs, 'evil'));
  const mounts = hostMounts(bundle.dir, host, rt.root);
  const r = sh('grep -c " /evil/mnt " /proc/self/mountinfo; ls -d /evil/mnt', (s) => {
    s.mounts!.push({ destination: '/evil/mnt', type: 'tmpfs', source: 'tmpfs' });
  });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(readdirSync(host), ['victim'], 'nothing was created in the host directory');
  t.deepEqual(hostMounts(bundle.dir, host, rt.root), mounts, 'nothing was mounted on the host');
  t.true(existsSync(join(bundle.rootfs, host, 'mnt')), 'the target was created inside the rootfs instead');
  rmSync(join(bundle.rootfs, 'evil'));
});

test.serial('a mount target behind a ../ symlink cannot climb out of the rootfs', (t) => {
  symlinkSync('../../../../../../../../..', join(bundle.rootfs, 'up'));
  const r = sh('true', (s) => {
    s.mounts!.push({ destination: `/up${host}/mnt2`, type: 'tmpfs', source: 'tmpfs' });
  });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(readdirSync(host), ['victim']);
  rmSync(join(bundle.rootfs, 'up'));
});

test.serial('a bind mount onto a symlink to a host file binds inside the rootfs', (t) => {
  symlinkSync(join(host, 'victim'), join(bundle.rootfs, 'etc', 'evil-link'));
  const src = join(bundle.dir, 'payload');
  writeFileSync(src, 'payload\n');
  const mounts = hostMounts(bundle.dir, host, rt.root);
  const r = sh('cat /etc/evil-link', (s) => s.mounts!.push({ destination: '/etc/evil-link', source: src, options: ['bind'] }));
  t.is(r.stdout, 'payload\n', r.stderr);
  t.is(readFileSync(join(host, 'victim'), 'utf8'), 'untouched\n');
  t.deepEqual(hostMounts(bundle.dir, host, rt.root), mounts);
  rmSync(join(bundle.rootfs, 'etc', 'evil-link'));
});

test.serial('no runtime descriptor reaches the container: only stdio is open', (t) => {
  bundle.write((s) => (s.process!.args = ['sleep', '30']));
  const id = uniqueId();
  t.is(rt.run(['create', '-b', bundle.dir, id]).code, 0);
  t.is(rt.run(['start', id]).code, 0);
  const pid = Number(rt.state(id)['pid']);
  t.true(waitFor(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep'));
  t.deepEqual(readdirSync(`/proc/${pid}/fd`).sort(), ['0', '1', '2']);
  rt.run(['delete', '--force', id]);
});

test.serial('the state directory is not reachable from inside the container', (t) => {
  const r = sh(`ls ${rt.root} 2>&1 || true`);
  t.regex(r.stdout, /No such file or directory/);
});

test.serial('masked paths cannot be unmasked by the default container user', (t) => {
  const r = sh('umount /proc/timer_list 2>&1; wc -c < /proc/timer_list', (s) => (s.linux!.maskedPaths = ['/proc/timer_list']));
  t.regex(r.stdout, /0\n$/);
});

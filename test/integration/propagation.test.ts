// Mount propagation: container mounts never reach the host, and linux.rootfsPropagation
// decides what reaches the container. The rootfs sits on a shared tmpfs made for the test.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { Runtime, runScript } from '../helpers/cli.ts';
import { hostMounts } from '../helpers/procs.ts';

let rt: Runtime;
let bundle: TestBundle;
let shared: string;

test.before(() => {
  rt = new Runtime();
  shared = mkdtempSync(join(tmpdir(), 'ocirun-shared-'));
  execFileSync('mount', ['-t', 'tmpfs', 'ocirun-test', shared]);
  execFileSync('mount', ['--make-shared', shared]);
  bundle = makeBundle(['true'], shared);
});

test.after.always(() => {
  rt?.destroy();
  if (shared) {
    execFileSync('umount', ['-R', shared]);
    rmSync(shared, { recursive: true, force: true });
  }
});

const sh = (script: string, edit?: Parameters<typeof runScript>[3]) => runScript(rt, bundle, script, edit);
/** The mountinfo line of the container's root (mount point "/"). */
const rootLine = 'grep -E "^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / " /proc/self/mountinfo';

test.serial('by default the root is a slave of the host: host mounts propagate in', (t) => {
  t.regex(sh(rootLine).stdout, /master:\d+/);
});

test.serial('private cuts the container off from the host', (t) => {
  const line = sh(rootLine, (s) => (s.linux!.rootfsPropagation = 'private')).stdout;
  t.notRegex(line, /master:|shared:/);
});

test.serial('shared gives the root a peer group of its own, still a slave of the host', (t) => {
  const line = sh(rootLine, (s) => (s.linux!.rootfsPropagation = 'shared')).stdout;
  t.regex(line, /shared:\d+/);
  t.regex(line, /master:\d+/);
});

test.serial('mounts made for and in the container never appear on the host', (t) => {
  const before = hostMounts(shared, rt.root);
  mkdirSync(join(bundle.rootfs, 'mnt'), { recursive: true });
  const r = sh('mount -t tmpfs inner /mnt && echo mounted', (s) => {
    s.root!.readonly = false;
    s.process!.capabilities = { bounding: ['CAP_SYS_ADMIN'], effective: ['CAP_SYS_ADMIN'], permitted: ['CAP_SYS_ADMIN'] };
    s.mounts!.push({ destination: '/extra', type: 'tmpfs', source: 'tmpfs', options: ['shared'] });
    s.linux!.rootfsPropagation = 'shared';
  });
  t.is(r.stdout, 'mounted\n', r.stderr);
  t.deepEqual(hostMounts(shared, rt.root), before);
});

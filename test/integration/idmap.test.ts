// Idmapped mounts: a bind whose files show, and are written, through a mapping of ids: the
// mount's own uidMappings/gidMappings, or the container's user namespace (idmap, ridmap).
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mount, Spec } from '../../ts/spec/types.ts';
import { uniqueId } from '../helpers/cli.ts';
import { useRuntimeAndBundle } from '../helpers/fixture.ts';
import { hostMounts, initsUnder } from '../helpers/procs.ts';

const HOST_BASE = 200000;
/** Through the mount, host id 1000's files are root's, and root's files land as host id 1000. */
const HOST_1000_AS_ROOT = [{ containerID: 1000, hostID: 0, size: 1 }];
const f = useRuntimeAndBundle();

test.before(() => chmodSync(f.bundle.dir, 0o755));

function hostDir(t: ExecutionContext, owner: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-idmap-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chownSync(dir, owner, owner);
  chmodSync(dir, 0o755);
  return dir;
}

function bindOf(source: string, options: string[], maps?: { uid: Mount['uidMappings']; gid: Mount['gidMappings'] }): Mount {
  return { destination: '/data', type: 'bind', source, options: ['rbind', ...options], ...(maps ? { uidMappings: maps.uid, gidMappings: maps.gid } : {}) };
}

function runWith(args: string[], edit: (s: Spec) => void, id = uniqueId('idmap')): { code: number; stdout: string; stderr: string } {
  f.bundle.write((s) => {
    s.process!.args = args;
    edit(s);
  });
  return f.rt.run(['run', '-b', f.bundle.dir, id]);
}

/** The container gets a user namespace mapping its ids 0-65535 to HOST_BASE on, and owns its rootfs. */
function inUserns(t: ExecutionContext, s: Spec): void {
  execFileSync('chown', ['-R', `${HOST_BASE}:${HOST_BASE}`, f.bundle.rootfs]);
  t.teardown(() => execFileSync('chown', ['-R', '0:0', f.bundle.rootfs]));
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = [{ containerID: 0, hostID: HOST_BASE, size: 65536 }];
  s.linux!.gidMappings = [{ containerID: 0, hostID: HOST_BASE, size: 65536 }];
}

test.serial('a file written through the mount lands on the host with the mapped owner', (t) => {
  const dir = hostDir(t, 1000);
  const r = runWith(['touch', '/data/new'], (s) => s.mounts!.push(bindOf(dir, ['idmap'], { uid: HOST_1000_AS_ROOT, gid: HOST_1000_AS_ROOT })));
  t.is(r.code, 0, r.stderr);
  const st = statSync(join(dir, 'new'));
  t.deepEqual([st.uid, st.gid], [1000, 1000]);
});

test.serial('files on the host show inside with the mapped owner, and unmapped ones as the overflow id', (t) => {
  const dir = hostDir(t, 1000);
  writeFileSync(join(dir, 'mapped'), '');
  chownSync(join(dir, 'mapped'), 1000, 1000);
  writeFileSync(join(dir, 'unmapped'), '');
  chownSync(join(dir, 'unmapped'), 5, 5);
  const r = runWith(['stat', '-c', '%u:%g', '/data/mapped', '/data/unmapped'], (s) => s.mounts!.push(bindOf(dir, ['idmap'], { uid: HOST_1000_AS_ROOT, gid: HOST_1000_AS_ROOT })));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), ['0:0', '65534:65534']);
});

test.serial('with idmap and no maps of its own, the mount takes the container\'s user namespace', (t) => {
  // A root-owned 0755 directory: without the idmapping the container's root (host id HOST_BASE)
  // could not write into it.
  const dir = hostDir(t, 0);
  const r = runWith(['sh', '-c', 'touch /data/new && stat -c %u:%g /data /data/new'], (s) => {
    inUserns(t, s);
    s.mounts!.push(bindOf(dir, ['idmap']));
  });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), ['0:0', '0:0']);
  t.is(statSync(join(dir, 'new')).uid, 0);
});

test.serial('without idmap the same directory is not the container root\'s to write', (t) => {
  const dir = hostDir(t, 0);
  const r = runWith(['touch', '/data/new'], (s) => {
    inUserns(t, s);
    s.mounts!.push(bindOf(dir, []));
  });
  t.not(r.code, 0);
  t.false(existsSync(join(dir, 'new')));
});

test.serial('neither the idmapped mount nor its user namespace is left open in the container', (t) => {
  const dir = hostDir(t, 1000);
  const r = runWith(['sh', '-c', 'ls /proc/self/fd | tr "\\n" " "'], (s) => s.mounts!.push(bindOf(dir, ['idmap'], { uid: HOST_1000_AS_ROOT, gid: HOST_1000_AS_ROOT })));
  t.is(r.code, 0, r.stderr);
  // 0-2, and 3 for the directory ls reads.
  t.is(r.stdout.trim(), '0 1 2 3');
});

/** A host directory of host id 1000 with a tmpfs mounted on its subdirectory "sub", holding a file of 1000's. */
function dirWithSubmount(t: ExecutionContext): string {
  const dir = hostDir(t, 1000);
  mkdirSync(join(dir, 'sub'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=755,uid=1000,gid=1000', 'tmpfs', join(dir, 'sub')]);
  t.teardown(() => execFileSync('umount', ['-l', join(dir, 'sub')]));
  writeFileSync(join(dir, 'sub', 'file'), '');
  chownSync(join(dir, 'sub', 'file'), 1000, 1000);
  return dir;
}

test.serial('ridmap idmaps every mount of an rbind\'s subtree', (t) => {
  const dir = dirWithSubmount(t);
  const r = runWith(['stat', '-c', '%u', '/data', '/data/sub/file'], (s) => s.mounts!.push(bindOf(dir, ['ridmap'], { uid: HOST_1000_AS_ROOT, gid: HOST_1000_AS_ROOT })));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), ['0', '0']);
});

test.serial('idmap idmaps only the top of an rbind', (t) => {
  const dir = dirWithSubmount(t);
  const r = runWith(['stat', '-c', '%u', '/data', '/data/sub/file'], (s) => s.mounts!.push(bindOf(dir, ['idmap'], { uid: HOST_1000_AS_ROOT, gid: HOST_1000_AS_ROOT })));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), ['0', '1000']);
});

/** `run` fails with `message` and leaves no state, process or mount behind. */
function failsCleanly(t: ExecutionContext, edit: (s: Spec) => void, message: RegExp): void {
  const mounts = hostMounts(f.bundle.dir, f.rt.root);
  const id = uniqueId('idmap');
  const r = runWith(['true'], edit, id);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, message);
  t.false(existsSync(join(f.rt.root, id)), 'no state directory');
  t.deepEqual(initsUnder(f.rt.root), [], 'no init process');
  t.deepEqual(hostMounts(f.bundle.dir, f.rt.root), mounts, 'no mount on the host');
}

test.serial('an idmapped mount that is not a bind is refused', (t) => {
  failsCleanly(t, (s) => s.mounts!.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['idmap'], uidMappings: HOST_1000_AS_ROOT, gidMappings: HOST_1000_AS_ROOT }), /mounts\[\d+\]\.options: an idmapped mount must be a bind mount/);
});

test.serial('idmap without maps in a container without a user namespace is refused', (t) => {
  failsCleanly(t, (s) => s.mounts!.push(bindOf('/tmp', ['idmap'])), /mounts\[\d+\]: idmap needs uidMappings and gidMappings on the mount when the container has no user namespace/);
});

test.serial('uidMappings without gidMappings is refused', (t) => {
  failsCleanly(t, (s) => s.mounts!.push({ ...bindOf('/tmp', ['idmap']), uidMappings: HOST_1000_AS_ROOT }), /mounts\[\d+\]\.gidMappings: is required with uidMappings/);
});

test.serial('a filesystem that cannot be idmapped gets a clear error and leaves nothing behind', (t) => {
  // ramfs does not support idmapped mounts.
  const dir = hostDir(t, 0);
  execFileSync('mount', ['-t', 'ramfs', 'ramfs', dir]);
  t.teardown(() => execFileSync('umount', ['-l', dir]));
  failsCleanly(t, (s) => s.mounts!.push(bindOf(dir, ['idmap'], { uid: HOST_1000_AS_ROOT, gid: HOST_1000_AS_ROOT })), /mount .*ocirun-idmap-.* on \/data: the kernel refused to idmap it \(the filesystem may not support idmapped mounts/);
});

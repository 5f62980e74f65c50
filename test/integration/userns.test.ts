// User namespaces: linux.uidMappings and gidMappings written by the runtime before the init
// goes on, the container root mapped to an unprivileged host id, exec joining the namespace,
// a user namespace joined by path, and what the mapping keeps the container from.
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Spec } from '../../ts/spec/types.ts';
import { cgroupDirsAt } from '../helpers/cgroups.ts';
import { uniqueId } from '../helpers/cli.ts';
import { useRuntimeAndBundle } from '../helpers/fixture.ts';
import { initsUnder } from '../helpers/procs.ts';

const HOST_BASE = 200000;
const f = useRuntimeAndBundle();

test.before(() => {
  // The container's root owns its root filesystem, as with any user-namespaced runtime.
  // The bundle's path must be searchable by it (mkdtemp makes the bundle directory 0700).
  execFileSync('chown', ['-R', `${HOST_BASE}:${HOST_BASE}`, f.bundle.rootfs]);
  chmodSync(f.bundle.dir, 0o755);
});

/** The default spec with a new user namespace mapping container ids 0-65535 to HOST_BASE on. */
function userns(args: string[], edit?: (s: Spec) => void): void {
  f.bundle.write((s) => {
    s.process!.args = args;
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: HOST_BASE, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: HOST_BASE, size: 65536 }];
    edit?.(s);
  });
}

/** A detached container in its own user namespace that sleeps, deleted when the test ends. */
function sleepingInUserns(t: ExecutionContext): { id: string; pid: number } {
  const id = uniqueId('userns');
  t.teardown(() => f.rt.run(['delete', '--force', id]));
  userns(['sleep', '100']);
  t.is(f.rt.run(['run', '-d', '-b', f.bundle.dir, id]).code, 0);
  return { id, pid: f.rt.state(id)['pid'] as number };
}

function hostDir(t: ExecutionContext, owner: number, mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocirun-userns-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chownSync(dir, owner, owner);
  chmodSync(dir, mode);
  return dir;
}

function statusIds(pid: number, field: 'Uid' | 'Gid'): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`)) ?? '';
}

test.serial('the container is root in its namespace, and the maps are the configured ones', (t) => {
  userns(['sh', '-c', 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map']);
  const r = f.rt.run(['run', '-b', f.bundle.dir, uniqueId('userns')]);
  t.is(r.code, 0, r.stderr);
  const maps = r.stdout.split('\n').slice(2, 4).map((l) => l.trim().split(/\s+/).join(' '));
  t.deepEqual(r.stdout.split('\n').slice(0, 2), ['0', '0']);
  t.deepEqual(maps, [`0 ${HOST_BASE} 65536`, `0 ${HOST_BASE} 65536`]);
});

test.serial('on the host the container\'s root is the mapped unprivileged id', (t) => {
  const { pid } = sleepingInUserns(t);
  t.is(statusIds(pid, 'Uid'), `Uid:\t${HOST_BASE}\t${HOST_BASE}\t${HOST_BASE}\t${HOST_BASE}`);
  t.is(statusIds(pid, 'Gid'), `Gid:\t${HOST_BASE}\t${HOST_BASE}\t${HOST_BASE}\t${HOST_BASE}`);
  t.not(execFileSync('readlink', [`/proc/${pid}/ns/user`], { encoding: 'utf8' }), execFileSync('readlink', ['/proc/self/ns/user'], { encoding: 'utf8' }));
});

test.serial('files the container writes land on the host with the mapped owner', (t) => {
  const dir = hostDir(t, HOST_BASE, 0o755);
  userns(['sh', '-c', 'touch /data/by-root && touch /data/by-1000 && chown 1000:1000 /data/by-1000'], (s) => {
    s.mounts!.push({ destination: '/data', type: 'bind', source: dir, options: ['rbind', 'rw'] });
    const caps = [...(s.process!.capabilities!.bounding ?? []), 'CAP_CHOWN'];
    s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
  });
  const r = f.rt.run(['run', '-b', f.bundle.dir, uniqueId('userns')]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual([statSync(join(dir, 'by-root')).uid, statSync(join(dir, 'by-root')).gid], [HOST_BASE, HOST_BASE]);
  t.deepEqual([statSync(join(dir, 'by-1000')).uid, statSync(join(dir, 'by-1000')).gid], [HOST_BASE + 1000, HOST_BASE + 1000]);
});

test.serial('the container\'s root cannot touch host files the host\'s root owns', (t) => {
  const dir = hostDir(t, 0, 0o755);
  writeFileSync(join(dir, 'secret'), 'host only\n', { mode: 0o600 });
  writeFileSync(join(dir, 'public'), 'read me\n', { mode: 0o644 });
  userns(['sh', '-c', 'cat /data/public; cat /data/secret; echo x >> /data/public; touch /data/new; stat -c %u /data/public'], (s) =>
    s.mounts!.push({ destination: '/data', type: 'bind', source: dir, options: ['rbind', 'rw'] }),
  );
  const r = f.rt.run(['run', '-b', f.bundle.dir, uniqueId('userns')]);
  t.is(r.stdout, 'read me\n65534\n', 'host root is unmapped: nobody to the container');
  t.regex(r.stderr, /secret'?: Permission denied/);
  t.regex(r.stderr, /public: Permission denied/);
  t.regex(r.stderr, /new: Permission denied/);
  t.is(readFileSync(join(dir, 'public'), 'utf8'), 'read me\n');
  t.false(existsSync(join(dir, 'new')));
});

test.serial('devices are the host\'s nodes, bound (a user namespace cannot make them)', (t) => {
  userns(['sh', '-c', 'echo gone > /dev/null && head -c 4 /dev/zero | wc -c; stat -c "%t:%T" /dev/null /dev/tty; grep -c " /dev/null " /proc/self/mountinfo']);
  const r = f.rt.run(['run', '-b', f.bundle.dir, uniqueId('userns')]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '4\n1:3\n5:0\n1\n');
});

test.serial('the container\'s cgroup is bound for cgroup v1, with its limit', (t) => {
  userns(['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max'], (s) => {
    s.linux!.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 30 } };
  });
  const r = f.rt.run(['run', '-b', f.bundle.dir, uniqueId('userns')]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${64 * 1024 * 1024}\n30\n`);
});

test.serial('exec joins the container\'s user namespace, as root or as a mapped user', (t) => {
  const { id, pid } = sleepingInUserns(t);
  const ns = execFileSync('readlink', [`/proc/${pid}/ns/user`], { encoding: 'utf8' });
  const root = f.rt.run(['exec', id, 'sh', '-c', 'id -u; readlink /proc/self/ns/user; head -1 /proc/self/uid_map']);
  t.is(root.code, 0, root.stderr);
  t.deepEqual(root.stdout.split('\n').slice(0, 2), ['0', ns.trim()]);
  t.regex(root.stdout, new RegExp(`^\\s*0\\s+${HOST_BASE}\\s+65536$`, 'm'));
  const user = f.rt.run(['exec', '--user', '1000:1000', id, 'sleep', '0.5']);
  t.is(user.code, 0, user.stderr);
});

test.serial('a container can join another\'s user namespace by path', (t) => {
  const { pid } = sleepingInUserns(t);
  f.bundle.write((s) => {
    s.process!.args = ['sh', '-c', 'id -u; readlink /proc/self/ns/user; head -1 /proc/self/uid_map'];
    s.linux!.namespaces!.push({ type: 'user', path: `/proc/${pid}/ns/user` });
  });
  const r = f.rt.run(['run', '-b', f.bundle.dir, uniqueId('userns')]);
  t.is(r.code, 0, r.stderr);
  const ns = execFileSync('readlink', [`/proc/${pid}/ns/user`], { encoding: 'utf8' }).trim();
  t.deepEqual(r.stdout.split('\n').slice(0, 2), ['0', ns]);
});

test.serial('a map the kernel refuses fails create with the map named, and leaves nothing behind', (t) => {
  const id = uniqueId('userns');
  const cgroupsPath = `/ocirun-userns-${id}`;
  userns(['true'], (s) => {
    s.linux!.cgroupsPath = cgroupsPath;
    // Past the end of the id space: the kernel refuses the range (EINVAL).
    s.linux!.uidMappings = [{ containerID: 0, hostID: 4294967295, size: 2 }];
  });
  const r = f.rt.run(['create', '-b', f.bundle.dir, id]);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /write the user namespace's map .*\/proc\/\d+\/uid_map.*EINVAL/);
  t.false(existsSync(join(f.rt.root, id)), 'no state directory');
  t.deepEqual(cgroupDirsAt(cgroupsPath), [], 'no cgroup directory');
  t.deepEqual(initsUnder(f.rt.root), [], 'no init process');
});

test.serial('a new user namespace without gidMappings is refused before anything is made', (t) => {
  const id = uniqueId('userns');
  userns(['true'], (s) => delete s.linux!.gidMappings);
  const r = f.rt.run(['create', '-b', f.bundle.dir, id]);
  t.is(r.code, 1);
  t.regex(r.stderr, /linux\.gidMappings: is required with a new user namespace/);
  t.false(existsSync(join(f.rt.root, id)));
});

// The root filesystem: read-only root, masked and read-only paths, config.mounts with their
// options and order, devices and /dev links, propagation, --no-pivot.
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { Runtime, runScript, uniqueId } from '../helpers/cli.ts';

let rt: Runtime;
let bundle: TestBundle;
let hostDir: string;

test.before(() => {
  rt = new Runtime();
  bundle = makeBundle();
  hostDir = mkdtempSync(join(tmpdir(), 'ocirun-hostdir-'));
  writeFileSync(join(hostDir, 'data.txt'), 'from the host\n');
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
  rmSync(hostDir, { recursive: true, force: true });
});

const sh = (script: string, edit?: Parameters<typeof runScript>[3]) => runScript(rt, bundle, script, edit);

test.serial('a read-only root refuses writes', (t) => {
  const r = sh('touch /newfile && echo wrote');
  t.regex(r.stderr, /Read-only file system/);
  t.notRegex(r.stdout, /wrote/);
});

test.serial('a writable root accepts them', (t) => {
  const r = sh('touch /newfile && echo wrote && rm /newfile', (s) => (s.root!.readonly = false));
  t.is(r.stdout, 'wrote\n', r.stderr);
});

test.serial('masked paths read as empty: a file under /dev/null, a directory under an empty tmpfs', (t) => {
  const r = sh('wc -c < /proc/timer_list; wc -c < /etc/passwd; ls /home | wc -l; echo x > /etc/passwd; wc -c < /etc/passwd', (s) => {
    s.linux!.maskedPaths = ['/proc/timer_list', '/etc/passwd', '/home', '/does/not/exist'];
  });
  t.is(r.stdout, '0\n0\n0\n0\n', r.stderr);
});

test.serial('read-only paths cannot be written, even by root', (t) => {
  const r = sh('echo 1 > /proc/sys/kernel/printk_ratelimit && echo wrote', (s) => {
    s.process!.capabilities = undefined;
  });
  t.notRegex(r.stdout, /wrote/);
  t.regex(r.stderr, /Read-only file system/);
});

test.serial('proc, sysfs, tmpfs, devpts, mqueue and cgroup mounts are there with their options', (t) => {
  const r = sh('cut -d" " -f2,3,4 /proc/self/mounts');
  const mounts = r.stdout;
  t.regex(mounts, /^\/proc proc rw,nosuid,nodev,noexec,relatime$|^\/proc proc rw/m);
  t.regex(mounts, /^\/dev tmpfs rw,nosuid,size=65536k,mode=755/m);
  t.regex(mounts, /^\/dev\/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666/m);
  t.regex(mounts, /^\/dev\/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k/m);
  t.regex(mounts, /^\/dev\/mqueue mqueue rw,nosuid,nodev,noexec/m);
  t.regex(mounts, /^\/sys sysfs ro,nosuid,nodev,noexec/m);
  t.regex(mounts, /^\/sys\/fs\/cgroup tmpfs ro,nosuid,nodev,noexec/m);
  t.regex(mounts, /^\/sys\/fs\/cgroup\/memory cgroup ro,nosuid,nodev,noexec,relatime,memory/m);
});

test.serial('a bind mount shows host data; ro makes it read-only', (t) => {
  const r = sh('cat /data/data.txt; touch /data/new 2>/dev/null && echo wrote; cat /ro/data.txt; touch /ro/x 2>&1 || true', (s) => {
    s.mounts!.push({ destination: '/data', type: 'bind', source: hostDir, options: ['rbind', 'rw'] });
    s.mounts!.push({ destination: '/ro', source: hostDir, options: ['bind', 'ro', 'nosuid'] });
  });
  t.is(r.stdout.split('\n').slice(0, 3).join('\n'), 'from the host\nwrote\nfrom the host', r.stderr);
  t.regex(r.stdout, /Read-only file system/);
});

test.serial('a bind mount of a file creates the file it mounts over', (t) => {
  const r = sh('cat /etc/injected', (s) => s.mounts!.push({ destination: '/etc/injected', source: join(hostDir, 'data.txt'), options: ['bind', 'ro'] }));
  t.is(r.stdout, 'from the host\n', r.stderr);
});

test.serial('a relative bind source is relative to the bundle', (t) => {
  mkdirSync(join(bundle.dir, 'shared'), { recursive: true });
  writeFileSync(join(bundle.dir, 'shared', 'f'), 'bundle-relative\n');
  const r = sh('cat /shared/f', (s) => s.mounts!.push({ destination: '/shared', source: 'shared', options: ['bind'] }));
  t.is(r.stdout, 'bundle-relative\n', r.stderr);
});

test.serial('mounts apply in order: a later mount lands inside an earlier one', (t) => {
  const r = sh('grep -c " /mnt/inner " /proc/self/mountinfo; grep " /mnt " /proc/self/mounts | cut -d" " -f3', (s) => {
    s.mounts!.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
    s.mounts!.push({ destination: '/mnt/inner', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
  });
  t.is(r.stdout, '1\ntmpfs\n', r.stderr);
});

test.serial('tmpcopyup copies what the directory held into the new tmpfs', (t) => {
  const r = sh('cat /etc/passwd | head -1; grep " /etc " /proc/self/mounts | cut -d" " -f3', (s) => {
    s.mounts!.push({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] });
  });
  t.is(r.stdout, 'root:x:0:0:root:/root:/bin/sh\ntmpfs\n', r.stderr);
});

test.serial('the default devices exist with their numbers, and linux.devices adds more', (t) => {
  const r = sh('for d in null zero full random urandom tty fuse; do stat -c "%n %t:%T %a" /dev/$d; done', (s) => {
    s.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 1000, gid: 1000 }];
  });
  t.is(
    r.stdout,
    '/dev/null 1:3 666\n/dev/zero 1:5 666\n/dev/full 1:7 666\n/dev/random 1:8 666\n/dev/urandom 1:9 666\n/dev/tty 5:0 666\n/dev/fuse a:e5 600\n',
    r.stderr,
  );
});

test.serial('the /dev links point into /proc/self/fd, and /dev/ptmx into the container devpts', (t) => {
  const r = sh('for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done');
  t.is(r.stdout, '/proc/self/fd\n/proc/self/fd/0\n/proc/self/fd/1\n/proc/self/fd/2\npts/ptmx\n', r.stderr);
});

test.serial('--no-pivot switches root with a move and chroot', (t) => {
  bundle.write((s) => (s.process!.args = ['sh', '-c', 'cat /etc/passwd | head -1; ls /']));
  const r = rt.run(['run', '--no-pivot', '-b', bundle.dir, uniqueId()]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^root:x:0:0/);
});

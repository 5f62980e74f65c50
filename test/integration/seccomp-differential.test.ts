// Docker's default profile (our own rendering, test/fixtures/seccomp/docker-default.json) under
// runc and under ocirun: the probe makes the same syscalls in both, and every call must come to
// the same verdict (allowed, or the same errno). runc (Debian's, with libseccomp) is the peer;
// the test is skipped, saying so, where it is not installed.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBundle, type TestBundle } from '../helpers/bundle.ts';
import { Runtime, uniqueId } from '../helpers/cli.ts';
import { projectRoot } from '../helpers/paths.ts';
import { buildProbes, parseProbe, type Probes, verdict } from '../helpers/probe.ts';
import type { Spec } from '../../ts/spec/types.ts';

const hasRunc = spawnSync('runc', ['--version']).status === 0;

/**
 * Syscalls with arguments that do no harm whether allowed or not: the profile's allow list,
 * its argument rules (clone, socket, personality), what it denies, numbers it does not name
 * (below and above the highest), and the x86 and x32 ABIs.
 */
const CALLS = [
  'getpid', 'getppid', 'getuid', 'read:-1', 'write:-1', 'close:-1', 'dup:-1', 'uname:0', 'getcwd:0,0',
  'getrandom:0,0', 'mknod:0', 'io_setup:0', 'sched_setattr:0', 'fanotify_mark:-1', 'name_to_handle_at:-1',
  'arch_prctl:0', 'modify_ldt:0', 'ptrace:0xffff', 'process_vm_readv:0', 'chroot:0', 'pidfd_open:-1',
  'close_range:1000,999', 'memfd_secret:-1',
  'clone:0x20200', 'clone:0x800', 'clone:0x10000800', 'clone3', 'socket:40,1,0', 'socket:1,1,0', 'socket:0x100000028,1,0',
  'personality:0xffffffff', 'personality:0x20000',
  'mount:0', 'umount2:0', 'unshare:0', 'setns:-1', 'pivot_root:0,0', 'kcmp:0', 'bpf:-1', 'perf_event_open:0',
  'keyctl:-1', 'add_key:0', 'request_key:0', 'syslog:-1', 'acct:0', 'open_by_handle_at:-1', 'init_module:0',
  'finit_module:-1', 'delete_module:0', 'iopl:0', 'ioperm:0', 'reboot:0', 'kexec_load:0', 'swapon:0', 'swapoff:0',
  'settimeofday:0', 'clock_settime:-1', 'sethostname:0', 'setdomainname:0', 'userfaultfd:0', 'quotactl:0',
  'lookup_dcookie:0', 'vhangup', 'mbind:0', 'set_mempolicy:0', 'get_mempolicy:0', 'nfsservctl', 'uselib:0', 'ustat:0',
  'sysfs:0', '_sysctl:0', 'afs_syscall', 'tuxcall', 'security', 'vserver', 'getpmsg', 'putpmsg', 'create_module',
  'get_kernel_syms', 'query_module', 'fanotify_init:0', 'pidfd_getfd:-1', 'io_uring_setup:0', 'fsopen:0', 'move_mount:-1',
  'open_tree:-1', 'fsmount:-1', 'fspick:-1', 'fsconfig:-1', 'mount_setattr:-1', 'process_madvise:-1',
  '400', '1000', '0x7fffffff', '0x40000027', '0x40000400',
  'int80:20', 'int80:24', 'int80:21', 'int80:26:0xffff', 'int80:102:0', 'int80:5000',
];

let rt: Runtime;
let bundle: TestBundle;
let probes: Probes;
let runcRoot: string;

test.before(() => {
  rt = new Runtime();
  probes = buildProbes();
  bundle = makeBundle(['/bin/probe']);
  probes.install(bundle.rootfs);
  runcRoot = mkdtempSync(join(tmpdir(), 'runc-root-'));
});

test.after.always(() => {
  rt.destroy();
  bundle.remove();
  probes.remove();
  rmSync(runcRoot, { recursive: true, force: true });
});

function dockerProfile(): NonNullable<NonNullable<Spec['linux']>['seccomp']> {
  const doc = JSON.parse(readFileSync(join(projectRoot, 'test', 'fixtures', 'seccomp', 'docker-default.json'), 'utf8'));
  return doc.seccomp;
}

test('Docker\'s default profile gives the same verdicts under runc and ocirun', (t) => {
  if (!hasRunc) {
    t.log('skipped: runc is not installed');
    t.pass();
    return;
  }
  bundle.write((s) => {
    // runc 1.1 knows runtime-spec versions up to 1.0.x; nothing newer is used here.
    s.ociVersion = '1.0.2';
    s.process!.args = ['/bin/probe', ...CALLS];
    s.linux!.seccomp = dockerProfile();
  });
  const ours = rt.run(['run', '-b', bundle.dir, uniqueId('diff')]);
  t.is(ours.code, 0, ours.stderr);
  const theirs = spawnSync('runc', ['--root', runcRoot, 'run', '-b', bundle.dir, uniqueId('diff-runc')], { encoding: 'utf8' });
  t.is(theirs.status, 0, theirs.stderr);
  const [a, b] = [parseProbe(ours.stdout), parseProbe(theirs.stdout)];
  const differ = CALLS.filter((c) => verdict(a.get(c)) !== verdict(b.get(c))).map((c) => `${c}: ocirun ${verdict(a.get(c))}, runc ${verdict(b.get(c))}`);
  t.deepEqual(differ, []);
  // The profile did decide some of them: denied with EPERM, or answered ENOSYS.
  t.is(verdict(a.get('mount:0')), 'errno 1');
  t.is(verdict(a.get('1000')), 'errno 38');
  t.is(verdict(a.get('int80:20')), 'ok');
});

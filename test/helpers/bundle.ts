// Test bundles: a root filesystem made from Debian's busybox-static, and config.json files
// derived from ocirun's default spec.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSpec } from '../../ts/spec/defaults.ts';
import type { Spec } from '../../ts/spec/types.ts';

export const BUSYBOX = '/bin/busybox';

const APPLETS = [
  'sh', 'echo', 'cat', 'ls', 'id', 'hostname', 'sleep', 'true', 'false', 'mount', 'ps', 'touch', 'mkdir', 'rm', 'chown',
  'mknod', 'grep', 'readlink', 'stat', 'env', 'pwd', 'wc', 'head', 'tail', 'seq', 'test', 'dd', 'cut', 'printf',
];

/** A busybox root filesystem in a fresh temp directory. */
export function makeRootfs(dir: string): string {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static`);
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'home/tester']) mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  cpSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000:tester:/home/tester:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\ntester:x:1000:\n');
  return rootfs;
}

export interface TestBundle {
  dir: string;
  rootfs: string;
  /** Writes config.json: the default spec, changed by `edit`. */
  write(edit?: (spec: Spec) => void): Spec;
  remove(): void;
}

/** A bundle (in a new directory under `parent`) with a non-terminal default spec running `args`. */
export function makeBundle(args: string[] = ['true'], parent = tmpdir()): TestBundle {
  const dir = mkdtempSync(join(parent, 'ocirun-bundle-'));
  const rootfs = makeRootfs(dir);
  const bundle: TestBundle = {
    dir,
    rootfs,
    write(edit) {
      const spec = defaultSpec();
      const p = spec.process!;
      p.terminal = false;
      p.args = args;
      delete spec.linux!.resources;
      edit?.(spec);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
      return spec;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  bundle.write();
  return bundle;
}

// The unprivileged user the rootless tests run ocirun (and podman) as: made once per machine,
// with 65536 subordinate uids and gids in /etc/subuid and /etc/subgid.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';

export interface RootlessUser {
  name: string;
  uid: number;
  gid: number;
  /** The first of its subordinate uids and gids (useradd may have picked them). */
  subBase: number;
}

const NAME = 'ocirun-rootless';

export function rootlessUser(): RootlessUser {
  if (spawnSync('id', ['-u', NAME]).status !== 0) {
    execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', NAME]);
  }
  const starts = ['/etc/subuid', '/etc/subgid'].map((file) => {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
    const line = lines.find((l) => l.startsWith(`${NAME}:`) && Number(l.split(':')[2]) >= 65536);
    if (line) return Number(line.split(':')[1]);
    appendFileSync(file, `${NAME}:300000:65536\n`);
    return 300000;
  });
  // One base for both keeps the expected maps simple; useradd gives equal ones.
  if (starts[0] !== starts[1]) throw new Error(`${NAME}: /etc/subuid and /etc/subgid start at ${starts.join(' and ')}`);
  const id = (flag: string) => Number(execFileSync('id', [flag, NAME], { encoding: 'utf8' }).trim());
  return { name: NAME, uid: id('-u'), gid: id('-g'), subBase: starts[0]! };
}

// The host side of an attack: what a container must not change, looked at from outside.
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every entry below `dir` with its type and content (file bytes, symlink target), sorted: two
 * snapshots are equal only if nothing was created, removed, replaced or written.
 */
export function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = join(rel, name);
      const st = lstatSync(join(dir, path));
      if (st.isSymbolicLink()) out.push(`${path} -> ${readlinkSync(join(dir, path))}`);
      else if (st.isFile()) out.push(`${path}: ${readFileSync(join(dir, path), 'utf8')}`);
      else if (st.isDirectory()) {
        out.push(`${path}/`);
        walk(path);
      } else out.push(`${path} (mode ${st.mode.toString(8)}, rdev ${st.rdev})`);
    }
  };
  walk('');
  return out;
}

/** A null device node (character 1:3) at `path`. */
export function makeNullDevice(path: string): void {
  execFileSync('mknod', ['-m', '666', path, 'c', '1', '3']);
}

// The container's stdio as the library's caller asks for it: this process's own ("inherit"),
// /dev/null ("ignore"), a descriptor it owns, or a pipe whose other end becomes a Node stream.
import { closeSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { native } from '../native/index.ts';

export type StdioOption = 'inherit' | 'ignore' | 'pipe' | number;
export type StdioOptions = StdioOption | [StdioOption, StdioOption, StdioOption];

export interface StdioStreams {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
}

/** Descriptors for the init, and what this process keeps once the init has them. */
export interface PreparedStdio {
  /** The three descriptors for the init; undefined means this process's own. */
  fds: number[] | undefined;
  /** Turns this process's pipe ends into streams and closes the init's ends. */
  attach(): StdioStreams;
  /** Closes everything (the create failed). */
  discard(): void;
}

export function prepareStdio(opts: StdioOptions | undefined): PreparedStdio {
  const list: StdioOption[] = Array.isArray(opts) ? opts : [opts ?? 'inherit', opts ?? 'inherit', opts ?? 'inherit'];
  if (list.every((o, i) => o === 'inherit' || o === i)) {
    return { fds: undefined, attach: () => ({ stdin: null, stdout: null, stderr: null }), discard: () => undefined };
  }
  const theirs: number[] = [];
  const ours: (number | null)[] = [null, null, null];
  const opened: number[] = [];
  try {
    list.forEach((o, i) => {
      if (o === 'inherit') theirs.push(i);
      else if (typeof o === 'number') theirs.push(o);
      else if (o === 'ignore') {
        const fd = openSync('/dev/null', i === 0 ? 'r' : 'w');
        opened.push(fd);
        theirs.push(fd);
      } else {
        const p = native().makePipe();
        const [child, parent] = i === 0 ? [p.read, p.write] : [p.write, p.read];
        opened.push(child);
        ours[i] = parent;
        theirs.push(child);
      }
    });
  } catch (e) {
    for (const fd of [...opened, ...ours]) if (fd !== null) closeSync(fd);
    throw e;
  }
  const closeTheirs = (): void => {
    for (const fd of opened.splice(0)) closeSync(fd);
  };
  return {
    fds: theirs,
    attach() {
      closeTheirs();
      const stream = (fd: number | null, writable: boolean): Socket | null =>
        fd === null ? null : new Socket({ fd, readable: !writable, writable });
      return { stdin: stream(ours[0] ?? null, true), stdout: stream(ours[1] ?? null, false), stderr: stream(ours[2] ?? null, false) };
    },
    discard() {
      closeTheirs();
      for (const fd of ours) if (fd !== null) closeSync(fd);
    },
  };
}

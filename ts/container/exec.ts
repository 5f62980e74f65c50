// What an exec runs: the container's own process (config.json's), changed as the caller asks,
// or a whole process of the caller's (runc's `exec --process`). runc's rules: arguments replace
// the config's, --env adds to its environment, --user replaces the uid (and the gid when given),
// --additional-gids and --cap add, and a process given whole is taken as it is.
import { InvalidArgumentError } from '../errors.ts';
import type { Capabilities, Process } from '../spec/types.ts';
import type { StdioOptions } from './stdio.ts';

export interface ExecOptions {
  /** The whole process to run (its args included); the fields below then do not apply. */
  process?: Process;
  /** The program and its arguments. */
  args?: string[];
  /** KEY=VALUE entries added to the container's environment (later ones win). */
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid?: number };
  additionalGids?: number[];
  /** Capabilities added to the bounding, effective and permitted sets (and ambient when the
   * process has inheritable capabilities), as runc's --cap does. */
  capabilities?: string[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
  /** A pseudoterminal for the process (runc's --tty). */
  terminal?: boolean;
  /** The process's stdin, stdout and stderr when it has no terminal (as for create). */
  stdio?: StdioOptions;
  /** Where the terminal's master goes (runc's --console-socket); without it the returned
   * process holds it. */
  consoleSocket?: string;
  /** Descriptors of this process the exec'd one gets as 3, 4, ... (runc's --preserve-fds). */
  preserveFds?: number[];
  /** A sub-cgroup of the container's to run in ("sub", or "cpu,memory:sub"), which must exist. */
  cgroup?: string;
  /** Exec into a paused container (the process starts frozen). */
  ignorePaused?: boolean;
  /** The caller will not stay to use a terminal's master: a terminal then needs consoleSocket. */
  detached?: boolean;
  /** Keep the caller's session keyring rather than joining the container's. */
  noNewKeyring?: boolean;
}

const CAP_SETS = ['bounding', 'effective', 'permitted'] as const;

function withCapabilities(caps: Capabilities | undefined, added: string[]): Capabilities {
  const out: Capabilities = { ...caps };
  for (const set of CAP_SETS) out[set] = [...(out[set] ?? []), ...added];
  // Ambient capabilities need inheritable ones, which --cap does not add.
  if (out.inheritable !== undefined) out.ambient = [...(out.ambient ?? []), ...added];
  return out;
}

function capabilityName(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/** The process an exec runs, from the container's process (`base`) and the caller's options. */
export function execProcess(base: Process | undefined, opts: ExecOptions): Process {
  if (opts.process) return opts.process;
  if (!base) throw new InvalidArgumentError("the container's config.json has no process to start from; pass a whole process");
  // A shallow copy: what changes is replaced, never changed in place, so that values of the
  // base kept exact (json64.ts) pass through untouched.
  const p: Process = { ...base };
  if (!opts.args?.length) throw new InvalidArgumentError('exec needs a command to run (or a process given whole)');
  p.args = [...opts.args];
  delete p.commandLine;
  if (opts.env?.length) p.env = [...(p.env ?? []), ...opts.env];
  if (opts.cwd !== undefined) p.cwd = opts.cwd;
  p.terminal = !!opts.terminal;
  if (opts.user) p.user = { ...p.user, uid: opts.user.uid, gid: opts.user.gid ?? p.user?.gid ?? 0 };
  if (opts.additionalGids?.length) {
    p.user = { uid: p.user?.uid ?? 0, gid: p.user?.gid ?? 0, ...p.user, additionalGids: [...(p.user?.additionalGids ?? []), ...opts.additionalGids] };
  }
  if (opts.capabilities?.length) p.capabilities = withCapabilities(p.capabilities, opts.capabilities.map(capabilityName));
  if (opts.noNewPrivileges) p.noNewPrivileges = true;
  if (opts.apparmorProfile !== undefined) p.apparmorProfile = opts.apparmorProfile;
  if (opts.selinuxLabel !== undefined) p.selinuxLabel = opts.selinuxLabel;
  return p;
}

/** runc's `--user uid[:gid]`. */
export function parseUser(text: string): { uid: number; gid?: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  const id = (s: string): number => {
    const n = Number(s);
    if (n > 0xffffffff) throw new InvalidArgumentError(`--user: ${s} is not a valid id`);
    return n;
  };
  if (!m) throw new InvalidArgumentError(`--user: ${JSON.stringify(text)} is not uid[:gid] (numbers)`);
  return m[2] === undefined ? { uid: id(m[1]!) } : { uid: id(m[1]!), gid: id(m[2]) };
}

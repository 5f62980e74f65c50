// `ocirun exec ID CMD...` or `ocirun exec --process FILE ID`: runs a process in a running
// container, with runc's flags; stays with it (signals, terminal) and exits with its status
// unless --detach.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { type ExecOptions, parseUser } from '../container/exec.ts';
import { checkForegroundConsole } from '../container/terminal-rules.ts';
import { parseExact } from '../spec/json64.ts';
import type { Process } from '../spec/types.ts';
import { parseProcess } from '../spec/validate.ts';
import type { CliContext } from './context.ts';
import { HeldSignals, stayWith } from './foreground.ts';
import { writePidFile } from './pid-file.ts';
import { passedFds } from './process-fds.ts';

export interface ExecFlags {
  consoleSocket?: string;
  cwd?: string;
  env: string[];
  tty?: boolean;
  user?: string;
  additionalGids: string[];
  process?: string;
  detach?: boolean;
  pidFile?: string;
  processLabel?: string;
  apparmor?: string;
  /** false with --no-new-privs. */
  newPrivs?: boolean;
  cap: string[];
  preserveFds?: string;
  cgroup?: string;
  ignorePaused?: boolean;
}

/** --process FILE: validated as read, passed on with its 64-bit values exact. */
function readProcessFile(path: string): Process {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (e) {
    throw new ConfigError('', `cannot be read: ${(e as Error).message}`, path);
  }
  parseProcess(text, path);
  return parseExact(text) as Process;
}

function gid(text: string): number {
  if (!/^\d+$/.test(text)) throw new ConfigError('', `${JSON.stringify(text)} is not a group id`, '--additional-gids');
  return Number(text);
}

function execOptions(command: string[], flags: ExecFlags, env: NodeJS.ProcessEnv): ExecOptions {
  const detached = !!flags.detach;
  checkForegroundConsole(detached, flags.consoleSocket);
  const passed = passedFds(flags.preserveFds, env, false);
  const common: ExecOptions = {
    detached,
    ...(flags.consoleSocket !== undefined ? { consoleSocket: flags.consoleSocket } : {}),
    ...(passed.fds.length ? { preserveFds: passed.fds } : {}),
    ...(flags.cgroup !== undefined ? { cgroup: flags.cgroup } : {}),
    ignorePaused: !!flags.ignorePaused,
  };
  if (flags.process !== undefined) return { ...common, process: readProcessFile(flags.process) };
  return {
    ...common,
    args: command,
    env: flags.env,
    terminal: !!flags.tty,
    ...(flags.cwd !== undefined ? { cwd: flags.cwd } : {}),
    ...(flags.user !== undefined ? { user: parseUser(flags.user) } : {}),
    additionalGids: flags.additionalGids.map(gid),
    capabilities: flags.cap,
    noNewPrivileges: flags.newPrivs === false,
    ...(flags.apparmor !== undefined ? { apparmorProfile: flags.apparmor } : {}),
    ...(flags.processLabel !== undefined ? { selinuxLabel: flags.processLabel } : {}),
  };
}

export async function exec(ctx: CliContext, id: string, command: string[], flags: ExecFlags): Promise<number> {
  const options = execOptions(command, flags, ctx.env);
  const container = await ctx.factory.load(id);
  const held = flags.detach ? undefined : new HeldSignals();
  let proc;
  try {
    proc = await container.exec(options);
    if (flags.pidFile) writePidFile(flags.pidFile, proc.pid);
  } catch (e) {
    held?.release();
    throw e;
  }
  if (!held) return 0;
  const signal = (sig: number): void => {
    try {
      proc.kill(sig);
    } catch {
      // It has exited; its status is on its way.
    }
  };
  return stayWith({ signal, wait: () => proc.wait() }, proc.terminal, held);
}

// The ocirun command line: runc's commands, flags, exit codes and output. Each command is a
// thin adapter in its own file, imported only when that command runs, and only the invoked
// command is even defined (help and errors get them all). This is the only module that sets
// the exit code.
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_ROOT } from '../container/defaults.ts';
import { OciRunError } from '../errors.ts';
import { OCIRUN_COMMIT, OCIRUN_VERSION } from '../build-info.ts';
import { OCI_VERSION } from '../spec/defaults.ts';
import { CliContext, type GlobalOptions } from './context.ts';

function versionText(): string {
  return `ocirun version ${OCIRUN_VERSION}\ncommit: ${OCIRUN_COMMIT}\nspec: ${OCI_VERSION}\nnode: ${process.version}`;
}

type Action = (ctx: CliContext, ...args: never[]) => Promise<number | void> | number | void;

/** A repeatable flag's values, in order. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
type Lazy = (load: () => Promise<Action>) => (...args: unknown[]) => Promise<void>;

function createLike(c: Command): Command {
  return c
    .option('-b, --bundle <dir>', 'path to the root of the bundle directory, defaults to the current directory', '.')
    .option('--pid-file <file>', 'specify the file to write the process id to')
    .option('--console-socket <path>', 'path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console\'s pseudoterminal')
    .option('--no-pivot', 'do not use pivot root to jail process inside rootfs')
    .option('--no-new-keyring', 'do not create a new session keyring for the container')
    .option('--preserve-fds <n>', 'pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)');
}

/** Each command: its names, and how to define it. */
const COMMANDS: { names: string[]; define: (program: Command, lazy: Lazy) => void }[] = [
  {
    names: ['spec'],
    define: (p, lazy) =>
      p
        .command('spec')
        .description('create a new specification file (config.json)')
        .option('-b, --bundle <dir>', 'path to the root of the bundle directory')
        .option('--rootless', 'generate a configuration for a rootless container')
        .action(lazy(async () => (await import('./spec.ts')).spec as Action)),
  },
  {
    names: ['create'],
    define: (p, lazy) =>
      createLike(p.command('create <container-id>').description('create a container')).action(
        lazy(async () => (await import('./create.ts')).create as Action),
      ),
  },
  {
    names: ['run'],
    define: (p, lazy) =>
      createLike(p.command('run <container-id>').description('create and run a container'))
        .option('-d, --detach', "detach from the container's process")
        .option('--keep', 'do not delete the container after it exits')
        .action(lazy(async () => (await import('./run.ts')).run as Action)),
  },
  {
    names: ['start'],
    define: (p, lazy) =>
      p
        .command('start <container-id>')
        .description('executes the user defined process in a created container')
        .action(lazy(async () => (await import('./start.ts')).start as Action)),
  },
  {
    names: ['state'],
    define: (p, lazy) =>
      p
        .command('state <container-id>')
        .description('output the state of a container')
        .action(lazy(async () => (await import('./state.ts')).state as Action)),
  },
  {
    names: ['list', 'ls'],
    define: (p, lazy) =>
      p
        .command('list')
        .alias('ls')
        .description('lists containers started by ocirun with the given root')
        .option('-f, --format <format>', 'select one of: table or json', 'table')
        .option('-q, --quiet', 'display only container IDs')
        .action(lazy(async () => (await import('./list.ts')).list as Action)),
  },
  {
    names: ['kill'],
    define: (p, lazy) =>
      p
        .command('kill <container-id> [signal]')
        .description("kill sends the specified signal (default: SIGTERM) to the container's init process")
        .option('-a, --all', 'send the specified signal to all processes inside the container')
        .action(lazy(async () => (await import('./kill.ts')).kill as Action)),
  },
  {
    names: ['exec'],
    define: (p, lazy) =>
      p
        .command('exec <container-id> [command...]')
        .description('execute new process inside the container')
        .option('--console-socket <path>', "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal")
        .option('--cwd <dir>', 'current working directory in the container')
        .option('-e, --env <KEY=VALUE>', 'set environment variables', collect, [])
        .option('-t, --tty', 'allocate a pseudo-TTY')
        .option('-u, --user <uid[:gid]>', 'UID (format: <uid>[:<gid>])')
        .option('-g, --additional-gids <gid>', 'additional gids', collect, [])
        .option('-p, --process <file>', 'path to the process.json')
        .option('-d, --detach', 'detach from the container\'s process')
        .option('--pid-file <file>', 'specify the file to write the process id to')
        .option('--process-label <label>', 'set the asm process label for the process commonly used with selinux')
        .option('--apparmor <profile>', 'set the apparmor profile for the process')
        .option('--no-new-privs', 'set the no new privileges value for the process')
        .option('-c, --cap <cap>', 'add a capability to the bounding set for the process', collect, [])
        .option('--preserve-fds <n>', 'pass N additional file descriptors to the container (stdio + N in total)')
        .option('--cgroup <path>', 'run the process in an (existing) sub-cgroup; format is [<controller>:]<cgroup>')
        .option('--ignore-paused', 'allow exec in a paused container')
        .passThroughOptions()
        .action(lazy(async () => (await import('./exec.ts')).exec as Action)),
  },
  {
    names: ['pause'],
    define: (p, lazy) =>
      p
        .command('pause <container-id>')
        .description('pause suspends all processes inside the container')
        .action(lazy(async () => (await import('./pause.ts')).pause as Action)),
  },
  {
    names: ['resume'],
    define: (p, lazy) =>
      p
        .command('resume <container-id>')
        .description('resumes all processes that have been previously paused')
        .action(lazy(async () => (await import('./pause.ts')).resume as Action)),
  },
  {
    names: ['update'],
    define: (p, lazy) =>
      p
        .command('update <container-id>')
        .description('update container resource constraints')
        .option('-r, --resources <file>', "path to a file with the linux.resources to update, or '-' for stdin")
        .option('--blkio-weight <n>', 'per cgroup block IO weight, from 10 to 1000')
        .option('--cpu-period <usecs>', 'CPU CFS period to be used for hardcapping')
        .option('--cpu-quota <usecs>', 'CPU CFS hardcap limit: allowed CPU time in a given period')
        .option('--cpu-share <n>', 'CPU shares (relative weight vs. other containers)')
        .option('--cpu-shares <n>', 'an alias of --cpu-share')
        .option('--cpu-rt-period <usecs>', 'CPU realtime period to be used for hardcapping')
        .option('--cpu-rt-runtime <usecs>', 'CPU realtime hardcap limit')
        .option('--cpuset-cpus <list>', 'CPU(s) to use')
        .option('--cpuset-mems <list>', 'memory node(s) to use')
        .option('--memory <bytes>', 'memory limit (k, m, g suffixes allowed)')
        .option('--memory-reservation <bytes>', 'memory reservation or soft limit')
        .option('--memory-swap <bytes>', "total memory usage (memory + swap); '-1' for unlimited swap")
        .option('--pids-limit <n>', 'maximum number of pids allowed in the container')
        .option('--l3-cache-schema <schema>', 'Intel RDT/CAT L3 cache schema (not supported)')
        .option('--mem-bw-schema <schema>', 'Intel RDT/MBA memory bandwidth schema (not supported)')
        .action(lazy(async () => (await import('./update.ts')).update as Action)),
  },
  {
    names: ['ps'],
    define: (p, lazy) =>
      p
        .command('ps <container-id> [ps-options...]')
        .description('ps displays the processes running inside a container')
        .option('-f, --format <format>', 'select one of: table or json', 'table')
        .passThroughOptions()
        .action(lazy(async () => (await import('./ps.ts')).ps as Action)),
  },
  {
    names: ['events'],
    define: (p, lazy) =>
      p
        .command('events <container-id>')
        .description('display container events such as OOM notifications and resource usage statistics')
        .option('--interval <duration>', 'set the stats collection interval', '5s')
        .option('--stats', "display the container's stats then exit")
        .action(lazy(async () => (await import('./events.ts')).events as Action)),
  },
  {
    names: ['features'],
    define: (p, lazy) =>
      p
        .command('features')
        .description('show the enabled features')
        .action(lazy(async () => (await import('./features.ts')).features as Action)),
  },
  {
    names: ['delete', 'rm'],
    define: (p, lazy) =>
      p
        .command('delete <container-id>')
        .alias('rm')
        .description('delete any resources held by the container')
        .option('-f, --force', 'forcibly deletes the container if it is still running (uses SIGKILL)')
        .action(lazy(async () => (await import('./delete.ts')).deleteContainer as Action)),
  },
];

const GLOBAL_FLAGS_WITH_VALUE = ['--root', '--log', '--log-format'];

/** The command argv invokes, if it is one of ours. */
export function invokedCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (GLOBAL_FLAGS_WITH_VALUE.includes(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return COMMANDS.some((c) => c.names.includes(arg)) ? arg : undefined;
  }
  return undefined;
}

type OnAction = (load: () => Promise<Action>, args: unknown[], cmd: Command) => Promise<void>;

function build(onAction: OnAction, only: string | undefined): Command {
  const program = new Command('ocirun')
    .description('ocirun: an OCI container runtime, a drop-in for runc')
    .option('--root <dir>', `root directory for storage of container state (default: "${DEFAULT_ROOT}", or $XDG_RUNTIME_DIR/ocirun when rootless)`)
    .option('--log <file>', 'set the log file to write ocirun logs to (default is stderr)')
    .addOption(new Option('--log-format <format>', 'set the log format').choices(['text', 'json']).default('text'))
    .option('--debug', 'enable debug logging')
    .addOption(new Option('--rootless <value>', 'ignore cgroup permission errors (\'true\', \'false\', or \'auto\')').choices(['auto', 'true', 'false']).default('auto'))
    .option('--systemd-cgroup', 'use the systemd cgroup driver (refused: only the cgroupfs driver is supported)')
    .version(versionText(), '-v, --version', 'print the version')
    .enablePositionalOptions()
    .exitOverride();
  const lazy: Lazy =
    (load) =>
    async (...args) => {
      const cmd = args[args.length - 1] as Command;
      await onAction(load, args.slice(0, -1), cmd);
    };
  for (const c of COMMANDS) {
    if (!only || c.names.includes(only)) c.define(program, lazy);
  }
  return program;
}

/** How runc reports a failed command: create and run as "runc create failed: ...", exec as
 * "exec failed: ..." with exit status 255 (the process's own statuses take the others). */
function failureReport(command: string, message: string): { text: string; code: number } {
  if (command === 'create' || command === 'run') return { text: `ocirun ${command} failed: ${message}`, code: 1 };
  if (command === 'exec') return { text: `exec failed: ${message}`, code: 255 };
  return { text: message, code: 1 };
}

export async function main(argv: string[]): Promise<number> {
  let ctx: CliContext | undefined;
  let exitCode = 0;
  let commandName = '';
  const onAction: OnAction = async (load, args, cmd) => {
    commandName = cmd.name();
    const globals = cmd.optsWithGlobals() as GlobalOptions;
    ctx = new CliContext(globals);
    const action = await load();
    const result = await (action as (...a: unknown[]) => unknown)(ctx, ...args, cmd.opts());
    if (typeof result === 'number') exitCode = result;
  };
  try {
    await build(onAction, invokedCommand(argv)).parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    const message = e instanceof Error ? e.message : String(e);
    const { text, code } = failureReport(commandName, message);
    const reporter = ctx ?? new CliContext({ logFormat: 'text' });
    reporter.logger.error(text);
    // With --log the line goes to the file; like runc, say it on stderr too.
    if (reporter.globals.log) process.stderr.write(text + '\n');
    if (!(e instanceof OciRunError) && reporter.globals.debug && e instanceof Error && e.stack) {
      process.stderr.write(e.stack + '\n');
    }
    return code;
  }
}

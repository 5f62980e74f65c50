// A racing process for the mount-race attacks: it swaps two names with
// renameat2(RENAME_EXCHANGE) in a tight loop, the way a malicious container sharing a volume
// flips a directory and a symlink while the runtime sets up mounts. Perl (part of every
// Debian system) makes the raw syscall, so the race needs no compiler and no extra package.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** renameat2 by architecture (asm-generic numbers on arm64). */
const SCRIPT = String.raw`
use Config;
my %nr = (x86_64 => 316, aarch64 => 276);
my ($arch) = $Config{archname} =~ /^(x86_64|aarch64)/ or die "renameat2: unknown architecture $Config{archname}\n";
my ($a, $b, $limit) = @ARGV;
my $swaps = 0;
$SIG{TERM} = sub { print "$swaps\n"; exit 0 };
alarm $limit;
$| = 1;
print "ready\n";
while (1) {
  syscall($nr{$arch}, -100, $a, -100, $b, 2) == 0 or die "renameat2 $a <-> $b: $!\n";
  $swaps++;
}
`;

export interface Swapper {
  /** Stops the loop; resolves to the number of swaps made, and rejects if the loop failed. */
  stop(): Promise<number>;
}

/**
 * Starts swapping `a` and `b` (both must exist) until stop(). The process also ends by itself
 * after `limitSeconds`, so a test that dies leaves no racer behind.
 */
export async function startSwapper(a: string, b: string, limitSeconds = 120): Promise<Swapper> {
  const child: ChildProcess = spawn('perl', ['-e', SCRIPT, a, b, String(limitSeconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // 'close', not 'exit': the count printed at the end must have been read.
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  await new Promise<void>((resolve, reject) => {
    const check = () => (out.includes('ready\n') ? resolve() : undefined);
    child.stdout!.on('data', check);
    exited.then(([code]) => reject(new Error(`swapper exited (${code}) before it started: ${err}`)), reject);
  });
  return {
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const [code, signal] = await exited;
      if (code !== 0) throw new Error(`swapper failed (${code ?? signal}): ${err}`);
      return Number(out.trim().split('\n').at(-1));
    },
  };
}

// runc's rules for process.terminal and --console-socket: a caller that will not stay (create,
// run --detach, exec --detach) must name a socket for a terminal's master, and a socket is only
// for a process that has a terminal.
import { InvalidArgumentError } from '../errors.ts';

export function checkTerminal(terminal: boolean, detached: boolean, consoleSocket: string | undefined): void {
  if (detached && terminal && consoleSocket === undefined) {
    throw new InvalidArgumentError('cannot allocate tty if ocirun will detach without setting console socket');
  }
  if (!terminal && consoleSocket !== undefined) {
    throw new InvalidArgumentError('cannot use console socket if ocirun will not detach or allocate tty');
  }
}

/** The CLI's further rule: a command that stays in the foreground relays the terminal itself. */
export function checkForegroundConsole(detached: boolean, consoleSocket: string | undefined): void {
  if (!detached && consoleSocket !== undefined) {
    throw new InvalidArgumentError('cannot use console socket if ocirun will not detach or allocate tty');
  }
}

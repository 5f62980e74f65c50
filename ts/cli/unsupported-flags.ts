// Flags of runc's that need features later versions bring: refused clearly, never ignored.
import { InvalidArgumentError } from '../errors.ts';

export interface CreateLikeFlags {
  consoleSocket?: string;
  preserveFds?: string;
}

export function refuseUnsupportedFlags(flags: CreateLikeFlags): void {
  if (flags.consoleSocket !== undefined) {
    throw new InvalidArgumentError('--console-socket: terminals are not supported by this version of ocirun yet');
  }
  if (flags.preserveFds !== undefined && flags.preserveFds !== '0') {
    throw new InvalidArgumentError('--preserve-fds: passing extra descriptors is not supported by this version of ocirun yet');
  }
}

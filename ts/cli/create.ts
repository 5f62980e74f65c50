// `ocirun create ID`: sets the container up; its process waits for `ocirun start`.
import type { CliContext } from './context.ts';
import { writePidFile } from './pid-file.ts';
import { type CreateLikeFlags, refuseUnsupportedFlags } from './unsupported-flags.ts';

export interface CreateFlags extends CreateLikeFlags {
  bundle: string;
  pidFile?: string;
  /** false with --no-pivot (commander names negated flags by their positive form). */
  pivot?: boolean;
  /** false with --no-new-keyring. */
  newKeyring?: boolean;
}

export async function create(ctx: CliContext, id: string, flags: CreateFlags): Promise<void> {
  refuseUnsupportedFlags(flags);
  const container = await ctx.factory.create(id, {
    bundle: flags.bundle,
    noPivot: flags.pivot === false,
    noNewKeyring: flags.newKeyring === false,
  });
  if (flags.pidFile && container.pid !== undefined) writePidFile(flags.pidFile, container.pid);
}

// `ocirun features`: the features structure as JSON, in runc's layout.
import { features as runtimeFeatures } from '../container/features.ts';
import type { CliContext } from './context.ts';

export function features(ctx: CliContext): void {
  ctx.out(`${JSON.stringify(runtimeFeatures(), null, 4)}\n`);
}

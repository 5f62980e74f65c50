// The hooks the runtime's operations run themselves, in the runtime's namespaces: poststart
// (start, once the init is released) and poststop (delete, once everything is removed, and a
// create that failed after its init existed, as runc does). prestart and createRuntime run in
// the addon while it drives the init; createContainer and startContainer run in the init.
import type { Logger } from '../log/index.ts';
import { type NativeFailure } from '../native/index.ts';
import type { BlockingOps } from '../native/ops.ts';
import type { Hooks } from '../spec/types.ts';
import type { ContainerRecord, StateStore } from './state-store.ts';

export interface HookContext {
  ops: BlockingOps;
  log: Logger;
  /** The environment of a hook without an env of its own (the CLI passes its own, as runc). */
  hookEnv: string[];
}

/** The hooks of the config a container was created from; none when it is gone. */
export function configuredHooks(store: StateStore, id: string): Hooks | undefined {
  try {
    return store.readConfig(id).hooks;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Runs the poststart hooks with the state of the running container (its init at `pid`).
 * Returns the first failure: the caller stops the container (the spec) and fails.
 */
export async function runPoststart(ctx: HookContext, record: ContainerRecord, hooks: Hooks | undefined, pid: number): Promise<NativeFailure | null> {
  if (!hooks?.poststart?.length) return null;
  const res = await ctx.ops.runHooks('poststart', JSON.stringify(hooks.poststart), hookState(record, pid), ctx.hookEnv);
  return res.failure ?? null;
}

/** Runs the poststop hooks with the state of the stopped container; a failure is a warning. */
export async function runPoststop(ctx: HookContext, record: Pick<ContainerRecord, 'id' | 'bundle' | 'annotations'>, hooks: Hooks | undefined): Promise<void> {
  if (!hooks?.poststop?.length) return;
  const res = await ctx.ops.runHooks('poststop', JSON.stringify(hooks.poststop), hookState(record), ctx.hookEnv);
  const log = ctx.log.child(record.id);
  for (const w of res.warnings) log.warn(w);
  if (res.failure) log.warn(res.failure.message);
}

function hookState(record: Pick<ContainerRecord, 'id' | 'bundle' | 'annotations'>, pid?: number) {
  return { id: record.id, bundle: record.bundle, annotations: record.annotations, ...(pid === undefined ? {} : { pid }) };
}

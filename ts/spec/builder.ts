// A typed builder for the configs programs write most: runc's default spec, changed a step
// at a time (the process, the root filesystem, mounts, resources, namespaces), then built
// into a plain Spec that Factory.create takes as `config`.
import { defaultSpec } from './defaults.ts';
import type { LinuxResources, Mount, NamespaceType, Spec } from './types.ts';

type Process = NonNullable<Spec['process']>;
type Linux = NonNullable<Spec['linux']>;

export class SpecBuilder {
  readonly #spec: Spec;

  /** Starts from `base` (a copy is taken), by default runc's default spec without a terminal. */
  constructor(base?: Spec) {
    this.#spec = structuredClone(base ?? { ...defaultSpec(), process: { ...defaultSpec().process!, terminal: false } });
  }

  #process(): Process {
    this.#spec.process ??= { cwd: '/', user: { uid: 0, gid: 0 } };
    return this.#spec.process;
  }

  #linux(): Linux {
    this.#spec.linux ??= {};
    return this.#spec.linux;
  }

  /** The program and its arguments. */
  args(...args: string[]): this {
    this.#process().args = args;
    return this;
  }

  /** Sets environment variables, replacing those of the same name. */
  env(vars: Record<string, string>): this {
    const p = this.#process();
    const kept = (p.env ?? []).filter((e) => !Object.hasOwn(vars, e.split('=')[0] ?? ''));
    p.env = [...kept, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)];
    return this;
  }

  cwd(dir: string): this {
    this.#process().cwd = dir;
    return this;
  }

  user(uid: number, gid: number, additionalGids?: number[]): this {
    this.#process().user = { uid, gid, ...(additionalGids ? { additionalGids } : {}) };
    return this;
  }

  terminal(on = true): this {
    this.#process().terminal = on;
    return this;
  }

  /** The root filesystem: a path (relative to the bundle, or absolute), read-only by default. */
  rootfs(path: string, opts: { readonly?: boolean } = {}): this {
    this.#spec.root = { path, readonly: opts.readonly ?? true };
    return this;
  }

  hostname(name: string): this {
    this.#spec.hostname = name;
    return this;
  }

  annotation(key: string, value: string): this {
    this.#spec.annotations = { ...this.#spec.annotations, [key]: value };
    return this;
  }

  /** Adds a mount after the existing ones (mounts apply in order). */
  mount(m: Mount): this {
    this.#spec.mounts = [...(this.#spec.mounts ?? []), m];
    return this;
  }

  /** Bind-mounts a host path; read-only unless asked otherwise. */
  bind(source: string, destination: string, opts: { readonly?: boolean; recursive?: boolean } = {}): this {
    const options = [opts.recursive === false ? 'bind' : 'rbind', opts.readonly === false ? 'rw' : 'ro'];
    return this.mount({ destination, type: 'bind', source, options });
  }

  /** A tmpfs, with `size` in bytes and `mode` (octal string) when given. */
  tmpfs(destination: string, opts: { size?: number; mode?: string } = {}): this {
    const options = ['nosuid', 'nodev', ...(opts.size ? [`size=${opts.size}`] : []), ...(opts.mode ? [`mode=${opts.mode}`] : [])];
    return this.mount({ destination, type: 'tmpfs', source: 'tmpfs', options });
  }

  /** Merges resource limits into linux.resources (each given controller replaces the old one). */
  resources(r: LinuxResources): this {
    const linux = this.#linux();
    linux.resources = { ...linux.resources, ...r };
    return this;
  }

  /** A memory limit in bytes (and memory + swap, when given). */
  memory(limit: number, swap?: number): this {
    return this.resources({ memory: { limit, ...(swap === undefined ? {} : { swap }) } });
  }

  /** The largest number of processes the container may have. */
  pids(limit: number): this {
    return this.resources({ pids: { limit } });
  }

  /** A new namespace of `type`, or the existing one at `path`. */
  namespace(type: NamespaceType, path?: string): this {
    const linux = this.#linux();
    const others = (linux.namespaces ?? []).filter((n) => n.type !== type);
    linux.namespaces = [...others, path ? { type, path } : { type }];
    return this;
  }

  /** Shares the runtime's namespace of `type` (no new one). */
  withoutNamespace(type: NamespaceType): this {
    const linux = this.#linux();
    linux.namespaces = (linux.namespaces ?? []).filter((n) => n.type !== type);
    return this;
  }

  /** The config as a plain object (a copy: the builder can go on). */
  build(): Spec {
    return structuredClone(this.#spec);
  }

  toJSON(): Spec {
    return this.build();
  }
}

/** runc's default config, to change with the builder's methods. */
export function defaultBuilder(): SpecBuilder {
  return new SpecBuilder();
}

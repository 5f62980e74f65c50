// Real container managers driving ocirun: a private podman (own storage, runroot, config and
// cgroup parent) and a private containerd (own root, state, socket and namespace), each
// calling ocirun through a wrapper that logs every argv it is given.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRootfs } from './bundle.ts';
import { cliPath, nodeBinDir } from './paths.ts';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const env = { ...process.env, PATH: `${nodeBinDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` };

/** Why `tools` cannot be used here, or '' when they all can. */
export function missingTools(...tools: string[]): string {
  const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  return missing.length ? `not installed: ${missing.join(', ')}` : '';
}

interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeout?: number;
  /** Run as this user instead of root. */
  user?: { uid: number; gid: number };
}

function exec(cmd: string, args: string[], opts: ExecOptions = {}): Run {
  const as = opts.user ? { uid: opts.user.uid, gid: opts.user.gid, cwd: '/' } : {};
  const r = spawnSync(cmd, args, { env: opts.env ?? env, encoding: 'utf8', input: opts.input ?? '', timeout: opts.timeout ?? 120_000, ...as });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Runs `argv` with a pseudo-terminal as its stdin, stdout and stderr (util-linux's
 * `script`), as a user at a terminal runs it; the output comes back as the terminal showed it. */
export function underPty(argv: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}): Run {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return exec('script', ['--quiet', '--return', '--command', quoted, '/dev/null'], opts);
}

/** A wrapper that records each call's argv (one JSON array per line) and runs ocirun. */
function loggingRuntime(dir: string): { path: string; calls(): string[][] } {
  const log = join(dir, 'calls.log');
  const path = join(dir, 'ocirun');
  writeFileSync(
    path,
    `#!/bin/sh\nnode -e 'require("fs").appendFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)) + "\\n")' ${log} "$@"\nexec ${cliPath} "$@"\n`,
  );
  chmodSync(path, 0o755);
  return {
    path,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : []),
  };
}

/** A busybox root filesystem as a tarball, for `podman import`. */
function busyboxTarball(dir: string): string {
  const base = join(dir, 'image');
  mkdirSync(base);
  const rootfs = makeRootfs(base);
  for (const applet of ['top', 'ps', 'nproc', 'stty', 'tty', 'uname', 'whoami']) {
    if (!existsSync(join(rootfs, 'bin', applet))) spawnSync('ln', ['-s', 'busybox', join(rootfs, 'bin', applet)]);
  }
  const tarball = join(dir, 'busybox.tar');
  const r = exec('tar', ['-C', rootfs, '-cf', tarball, '.']);
  if (r.code !== 0) throw new Error(`tar: ${r.stderr}`);
  return tarball;
}

/** Removes a cgroup directory tree in every hierarchy, innermost first (only `name`'s). */
function removeCgroupTree(name: string): void {
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const top = join('/sys/fs/cgroup', h, name);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string): void => {
      dirs.push(d);
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    };
    walk(top);
    for (const d of dirs.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // Still busy: reported by the test that made it.
      }
    }
  }
}

export const IMAGE = 'localhost/ocirun-test-busybox:latest';

export class Podman {
  readonly dir: string;
  readonly cgroupParent: string;
  readonly runtime: { path: string; calls(): string[][] };
  readonly #env: NodeJS.ProcessEnv;

  /** Rootless podman: the unprivileged user it runs as. */
  readonly #user: { uid: number; gid: number } | undefined;

  /**
   * `runtimes`: more runtimes to register by name (name -> executable), for `--runtime NAME`.
   * `user`: run podman as this unprivileged user (rootless podman, which runs ocirun as root
   * in a user namespace of its own making).
   */
  constructor(runtimes: Record<string, string> = {}, user?: { uid: number; gid: number }) {
    this.#user = user;
    this.dir = mkdtempSync(join(tmpdir(), 'ocirun-podman-'));
    this.cgroupParent = `ocirun-podman-${process.pid}`;
    this.runtime = loggingRuntime(this.dir);
    const conf = join(this.dir, 'containers.conf');
    // No CAP_SYS_RESOURCE in this machine's bounding set: podman's default rlimits (nofile
    // and nproc at 1048576) cannot be set by any runtime, so they are lowered here.
    writeFileSync(
      conf,
      `[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
cgroupns = "private"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${join(this.dir, 'events.log')}"
runtime = "ocirun"
runtime_supports_json = ${JSON.stringify(['ocirun', ...Object.keys(runtimes)])}

[engine.runtimes]
ocirun = ["${this.runtime.path}"]
${Object.entries(runtimes).map(([name, path]) => `${name} = ["${path}"]`).join('\n')}
`,
    );
    const storage = join(this.dir, 'storage.conf');
    writeFileSync(storage, `[storage]\ndriver = "vfs"\ngraphroot = "${join(this.dir, 'graph')}"\nrunroot = "${join(this.dir, 'run')}"\n`);
    this.#env = { ...env, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage, CONTAINERS_REGISTRIES_CONF: join(this.dir, 'registries.conf') };
    writeFileSync(join(this.dir, 'registries.conf'), 'unqualified-search-registries = []\n');
    if (user) {
      // Its own home and runtime directory, as a login gives (podman keeps its user namespace's
      // pause process and its runtime's state there).
      for (const d of ['home', 'xdg']) mkdirSync(join(this.dir, d), { mode: 0o700 });
      this.#env = { ...this.#env, HOME: join(this.dir, 'home'), XDG_RUNTIME_DIR: join(this.dir, 'xdg') };
    }
    const tarball = busyboxTarball(this.dir);
    if (user) exec('chown', ['-R', `${user.uid}:${user.gid}`, this.dir]);
    const imported = this.run(['import', tarball, IMAGE]);
    if (imported.code !== 0) throw new Error(`podman import: ${imported.stderr}`);
  }

  /** podman with the private configuration; `run` and `create` get the private cgroup parent. */
  run(args: string[], opts: { input?: string; timeout?: number } = {}): Run {
    const [cmd, ...rest] = args;
    const withParent = cmd === 'run' || cmd === 'create' ? [cmd, '--cgroup-parent', `/${this.cgroupParent}`, ...rest] : args;
    return exec('podman', ['--log-level', 'error', ...withParent], { env: this.#env, ...opts, ...(this.#user ? { user: this.#user } : {}) });
  }

  /** podman as `run` does it, but at a terminal (for `-t`). */
  runUnderPty(args: string[]): Run {
    const [cmd, ...rest] = args;
    const withParent = cmd === 'run' || cmd === 'create' ? [cmd, '--cgroup-parent', `/${this.cgroupParent}`, ...rest] : args;
    return underPty(['podman', '--log-level', 'error', ...withParent], { env: this.#env });
  }

  get env(): NodeJS.ProcessEnv {
    return this.#env;
  }

  /** An OCI archive of the test image, for containerd. */
  saveImage(path: string): void {
    const r = this.run(['save', '--format', 'oci-archive', '-o', path, IMAGE]);
    if (r.code !== 0) throw new Error(`podman save: ${r.stderr}`);
  }

  destroy(): void {
    this.run(['rm', '--all', '--force', '--time', '0']);
    this.run(['rmi', '--all', '--force']);
    if (this.#user) {
      // The process that holds rootless podman's user namespace open between commands.
      const pidFile = join(this.dir, 'xdg', 'libpod', 'tmp', 'pause.pid');
      if (existsSync(pidFile)) exec('kill', ['-9', readFileSync(pidFile, 'utf8').trim()]);
    }
    removeCgroupTree(this.cgroupParent);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class Containerd {
  readonly dir: string;
  readonly namespace: string;
  readonly socket: string;
  readonly runtime: { path: string; calls(): string[][] };
  readonly #daemon: ChildProcess;

  private constructor(dir: string, daemon: ChildProcess) {
    this.dir = dir;
    this.#daemon = daemon;
    this.socket = join(dir, 'containerd.sock');
    this.namespace = `ocirun-test-${process.pid}`;
    this.runtime = loggingRuntime(dir);
  }

  /** Starts a private containerd and imports the test image from `imageArchive`. */
  static async start(imageArchive: string): Promise<Containerd> {
    const dir = mkdtempSync(join(tmpdir(), 'ocirun-containerd-'));
    const config = join(dir, 'config.toml');
    writeFileSync(
      config,
      `version = 2
root = "${join(dir, 'root')}"
state = "${join(dir, 'state')}"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "${join(dir, 'containerd.sock')}"
[ttrpc]
  address = "${join(dir, 'containerd.sock.ttrpc')}"
[debug]
  address = "${join(dir, 'debug.sock')}"
`,
    );
    const daemon = spawn('containerd', ['--config', config], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    daemon.stderr?.on('data', (d: Buffer) => (log += String(d)));
    const c = new Containerd(dir, daemon);
    for (let i = 0; i < 100 && !/containerd successfully booted/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
    if (!existsSync(c.socket)) throw new Error(`containerd did not start: ${log}`);
    const imported = c.ctr(['images', 'import', '--base-name', IMAGE.split(':')[0] ?? IMAGE, imageArchive]);
    if (imported.code !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
    return c;
  }

  /** ctr against the private containerd, in this test's namespace. */
  ctr(args: string[], opts: { input?: string; timeout?: number } = {}): Run {
    return exec('ctr', ['--address', this.socket, '--namespace', this.namespace, ...args], opts);
  }

  /** ctr as `ctr` does it, but at a terminal (for `-t`). */
  ctrUnderPty(args: string[]): Run {
    return underPty(['ctr', '--address', this.socket, '--namespace', this.namespace, ...args]);
  }

  /** `ctr run` with ocirun as the runtime binary. */
  run(args: string[], opts: { timeout?: number } = {}): Run {
    return this.ctr(['run', '--runc-binary', this.runtime.path, ...args], opts);
  }

  async destroy(): Promise<void> {
    for (const id of this.ctr(['tasks', 'ls', '-q']).stdout.split('\n').filter(Boolean)) this.ctr(['tasks', 'kill', '-s', 'SIGKILL', id]);
    for (const id of this.ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
      this.ctr(['tasks', 'delete', '-f', id]);
      this.ctr(['containers', 'delete', id]);
    }
    this.ctr(['images', 'rm', IMAGE]);
    this.ctr(['namespaces', 'rm', this.namespace]);
    if (this.#daemon.exitCode === null && this.#daemon.signalCode === null) {
      const exited = new Promise((r) => this.#daemon.once('exit', r));
      this.#daemon.kill('SIGTERM');
      await exited;
    }
    // The runc shim keeps its runtime's state under /run/containerd/runc/<namespace>, and
    // the containers' cgroups go under /<namespace>, which runtimes leave behind (as runc does).
    rmSync(join('/run/containerd/runc', this.namespace), { recursive: true, force: true });
    removeCgroupTree(this.namespace);
    spawnSync('umount', ['-R', join(this.dir, 'root')], { stdio: 'ignore' });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ocirun as a library: a container from a config built in code, its output read through a
// pipe, and its events printed until it exits. Run as root, with a root filesystem (a
// directory holding /bin/sh, such as an extracted busybox or alpine image):
//
//   node examples/run-container.ts /path/to/rootfs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Factory, spec } from 'ocirun';

const rootfs = process.argv[2];
if (!rootfs) {
  console.error('usage: node examples/run-container.ts ROOTFS');
  process.exit(2);
}

// State lives in a private root here; a real program would keep the default /run/ocirun, which
// the ocirun command shares.
const root = mkdtempSync(join(tmpdir(), 'ocirun-example-'));
const factory = new Factory({ root });

const config = spec
  .default()
  .rootfs(rootfs)
  .args('sh', '-c', 'echo "hello from $(hostname)"; sleep 0.3')
  .hostname('example')
  .memory(64 * 1024 * 1024)
  .pids(16)
  .build();

try {
  const container = await factory.create('example', { bundle: root, config, stdio: ['ignore', 'pipe', 'inherit'] });
  container.stdout?.on('data', (chunk: Buffer) => process.stdout.write(`container says: ${chunk}`));
  await container.start();
  for await (const event of container.events({ interval: 100 })) {
    if (event.type === 'stats') console.log(`processes in the container: ${event.data.pids.current ?? 0}`);
    else console.log(`event: ${event.type}`);
  }
  const { status } = await container.wait();
  console.log(`exit status: ${status}`);
  await container.delete();
} finally {
  rmSync(root, { recursive: true, force: true });
}

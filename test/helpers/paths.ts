// Paths the tests share: the project, its CLI, the spec's fixtures in ../shared.
import { join } from 'node:path';

export const projectRoot = join(import.meta.dirname, '..', '..');
export const cliPath = join(projectRoot, 'bin', 'ocirun');
export const nodeBinDir = join(projectRoot, 'tools', 'node', 'node_modules', '.bin');
/** The OCI runtime-spec, read-only, beside the project (never copied into it). */
export const specDir = join(projectRoot, '..', 'shared', 'oci-runtime-spec');
export const fixturesDir = join(specDir, 'schema', 'test', 'config');

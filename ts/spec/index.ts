// The spec toolkit: defaults, loading and validation of config.json.
export { defaultSpec, rootlessSpec, OCI_VERSION } from './defaults.ts';
export { loadBundle, bundleFromConfig, type Bundle } from './load.ts';
export { parseConfig, parseProcess, schemaError } from './validate.ts';
export { checkSpec } from './checks.ts';
export { SpecBuilder, defaultBuilder as default } from './builder.ts';

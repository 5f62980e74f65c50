// ocirun's own JSON schema for config.json, written from the OCI runtime-spec v1.3.0 text.
// It is the TypeScript side's single source of truth: the types in ../types.ts are derived from
// it, and the build compiles it with ajv into standalone validation code.
//
// Unknown properties are allowed everywhere: the spec says runtimes MUST ignore them.
import { Type } from '@sinclair/typebox';
import { Hooks, IdMapping, StringArray, StringMap } from './common.ts';
import { Linux } from './linux.ts';
import { Process } from './process.ts';

export const Mount = Type.Object({
  destination: Type.String({ minLength: 1 }),
  type: Type.Optional(Type.String()),
  source: Type.Optional(Type.String()),
  options: Type.Optional(StringArray),
  uidMappings: Type.Optional(Type.Array(IdMapping)),
  gidMappings: Type.Optional(Type.Array(IdMapping)),
});

export const Root = Type.Object({
  path: Type.String({ minLength: 1 }),
  readonly: Type.Optional(Type.Boolean()),
});

const SemVer = Type.String({
  pattern: '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$',
});

export const ConfigSchema = Type.Object(
  {
    ociVersion: SemVer,
    root: Type.Optional(Root),
    mounts: Type.Optional(Type.Array(Mount)),
    process: Type.Optional(Process),
    hostname: Type.Optional(Type.String()),
    domainname: Type.Optional(Type.String()),
    hooks: Type.Optional(Hooks),
    annotations: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
    linux: Type.Optional(Linux),
    // Other platforms' sections are not used on Linux, but a config may carry them.
    solaris: Type.Optional(Type.Object({})),
    windows: Type.Optional(Type.Object({})),
    vm: Type.Optional(Type.Object({})),
    zos: Type.Optional(Type.Object({})),
    freebsd: Type.Optional(Type.Object({})),
  },
  { $id: 'https://ocirun.dev/schema/config.json', title: 'OCI runtime config (ocirun)' },
);

export const StateSchema = Type.Object({
  ociVersion: SemVer,
  id: Type.String({ minLength: 1 }),
  status: Type.String(),
  pid: Type.Optional(Type.Integer({ minimum: 0 })),
  bundle: Type.String(),
  annotations: Type.Optional(StringMap),
});

// The OCI configuration as TypeScript types, derived from ocirun's schema (./schema), which is
// their single source of truth.
import type { Static } from '@sinclair/typebox';
import type { ConfigSchema, Mount as MountSchema, Root as RootSchema, StateSchema } from './schema/config.ts';
import type { Linux as LinuxSchema, NamespaceType as NamespaceTypeSchema } from './schema/linux.ts';
import type { IdMapping as IdMappingSchema } from './schema/common.ts';
import type { Capabilities as CapabilitiesSchema, Process as ProcessSchema, Rlimit as RlimitSchema, User as UserSchema } from './schema/process.ts';
import type { Resources as ResourcesSchema } from './schema/resources.ts';

export type Spec = Static<typeof ConfigSchema>;
export type Process = Static<typeof ProcessSchema>;
export type User = Static<typeof UserSchema>;
export type Capabilities = Static<typeof CapabilitiesSchema>;
export type Rlimit = Static<typeof RlimitSchema>;
export type Mount = Static<typeof MountSchema>;
export type Root = Static<typeof RootSchema>;
export type Linux = Static<typeof LinuxSchema>;
export type LinuxResources = Static<typeof ResourcesSchema>;
export type NamespaceType = Static<typeof NamespaceTypeSchema>;
export type IdMapping = Static<typeof IdMappingSchema>;
export type Namespace = NonNullable<Linux['namespaces']>[number];
export type Hooks = NonNullable<Spec['hooks']>;
export type Hook = NonNullable<Hooks['prestart']>[number];
/** The state of a container as the runtime-spec defines it. */
export type SpecState = Static<typeof StateSchema>;

// Building blocks of ocirun's config.json schema: integer ranges and maps the spec uses.
import { Type } from '@sinclair/typebox';

export const Uint8 = Type.Integer({ minimum: 0, maximum: 255 });
export const Uint16 = Type.Integer({ minimum: 0, maximum: 65535 });
export const Uint32 = Type.Integer({ minimum: 0, maximum: 4294967295 });
export const Uint64 = Type.Integer({ minimum: 0, maximum: 18446744073709551615 });
export const Int32 = Type.Integer({ minimum: -2147483648, maximum: 2147483647 });
export const Int64 = Type.Integer({ minimum: -9223372036854775808, maximum: 9223372036854775807 });

export const StringArray = Type.Array(Type.String());
export const StringMap = Type.Record(Type.String(), Type.String());

/** An absolute path on the host or in the container. */
export const AbsolutePath = Type.String({ pattern: '^/' });

/** containerID/hostID/size, as user namespace mappings and idmapped mounts use it. */
export const IdMapping = Type.Object({
  containerID: Uint32,
  hostID: Uint32,
  size: Uint32,
});

/** A hook: an absolute program path with args, env and an optional timeout in seconds. */
export const Hook = Type.Object({
  path: AbsolutePath,
  args: Type.Optional(StringArray),
  env: Type.Optional(StringArray),
  timeout: Type.Optional(Type.Integer({ minimum: 1 })),
});

export const Hooks = Type.Object({
  prestart: Type.Optional(Type.Array(Hook)),
  createRuntime: Type.Optional(Type.Array(Hook)),
  createContainer: Type.Optional(Type.Array(Hook)),
  startContainer: Type.Optional(Type.Array(Hook)),
  poststart: Type.Optional(Type.Array(Hook)),
  poststop: Type.Optional(Type.Array(Hook)),
});

/**
 * A string that must be one of `values`. Compiles to a plain JSON-schema enum, whose error
 * lists the allowed values (a union of literals would report one failure per branch).
 */
export function StringEnum<const T extends readonly string[]>(values: T) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
}

// config.json "linux.resources": the cgroup limits.
import { Type } from '@sinclair/typebox';
import { Int64, StringEnum, StringMap, Uint32, Uint64 } from './common.ts';

const Weight = Type.Integer({ minimum: 10, maximum: 1000 });
const DeviceNumbers = { major: Int64, minor: Int64 };

const DeviceRule = Type.Object({
  allow: Type.Boolean(),
  type: Type.Optional(StringEnum(['a', 'b', 'c'] as const)),
  major: Type.Optional(Int64),
  minor: Type.Optional(Int64),
  access: Type.Optional(Type.String({ pattern: '^[rwm]+$' })),
});

const WeightDevice = Type.Object({ ...DeviceNumbers, weight: Type.Optional(Weight), leafWeight: Type.Optional(Weight) });
const ThrottleDevice = Type.Object({ ...DeviceNumbers, rate: Uint64 });

export const Resources = Type.Object({
  devices: Type.Optional(Type.Array(DeviceRule)),
  memory: Type.Optional(
    Type.Object({
      limit: Type.Optional(Int64),
      reservation: Type.Optional(Int64),
      swap: Type.Optional(Int64),
      kernel: Type.Optional(Int64),
      kernelTCP: Type.Optional(Int64),
      swappiness: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
      disableOOMKiller: Type.Optional(Type.Boolean()),
      useHierarchy: Type.Optional(Type.Boolean()),
      checkBeforeUpdate: Type.Optional(Type.Boolean()),
    }),
  ),
  cpu: Type.Optional(
    Type.Object({
      shares: Type.Optional(Uint64),
      quota: Type.Optional(Int64),
      burst: Type.Optional(Uint64),
      period: Type.Optional(Uint64),
      realtimeRuntime: Type.Optional(Int64),
      realtimePeriod: Type.Optional(Uint64),
      cpus: Type.Optional(Type.String()),
      mems: Type.Optional(Type.String()),
      idle: Type.Optional(Int64),
    }),
  ),
  pids: Type.Optional(Type.Object({ limit: Int64 })),
  blockIO: Type.Optional(
    Type.Object({
      weight: Type.Optional(Weight),
      leafWeight: Type.Optional(Weight),
      weightDevice: Type.Optional(Type.Array(WeightDevice)),
      throttleReadBpsDevice: Type.Optional(Type.Array(ThrottleDevice)),
      throttleWriteBpsDevice: Type.Optional(Type.Array(ThrottleDevice)),
      throttleReadIOPSDevice: Type.Optional(Type.Array(ThrottleDevice)),
      throttleWriteIOPSDevice: Type.Optional(Type.Array(ThrottleDevice)),
    }),
  ),
  hugepageLimits: Type.Optional(
    Type.Array(Type.Object({ pageSize: Type.String({ pattern: '^[1-9][0-9]*[KMG]B$' }), limit: Uint64 })),
  ),
  network: Type.Optional(
    Type.Object({
      classID: Type.Optional(Uint32),
      priorities: Type.Optional(Type.Array(Type.Object({ name: Type.String(), priority: Uint32 }))),
    }),
  ),
  rdma: Type.Optional(
    Type.Record(Type.String(), Type.Object({ hcaHandles: Type.Optional(Uint32), hcaObjects: Type.Optional(Uint32) })),
  ),
  unified: Type.Optional(StringMap),
});


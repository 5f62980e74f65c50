// config.json "process": what runs in the container, as whom, with what privileges.
import { Type } from '@sinclair/typebox';
import { Int32, StringEnum, Uint32, Uint64 } from './common.ts';

const Capability = Type.String({ pattern: '^CAP_[A-Z0-9_]+$' });
const CapabilitySet = Type.Array(Capability);

export const Capabilities = Type.Object({
  bounding: Type.Optional(CapabilitySet),
  permitted: Type.Optional(CapabilitySet),
  effective: Type.Optional(CapabilitySet),
  inheritable: Type.Optional(CapabilitySet),
  ambient: Type.Optional(CapabilitySet),
});

export const Rlimit = Type.Object({
  type: Type.String({ pattern: '^RLIMIT_[A-Z]+$' }),
  soft: Uint64,
  hard: Uint64,
});

export const User = Type.Object({
  uid: Uint32,
  gid: Uint32,
  umask: Type.Optional(Uint32),
  additionalGids: Type.Optional(Type.Array(Uint32)),
  username: Type.Optional(Type.String()),
});

const Scheduler = Type.Object({
  policy: StringEnum(['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_ISO', 'SCHED_IDLE', 'SCHED_DEADLINE'] as const),
  nice: Type.Optional(Int32),
  priority: Type.Optional(Int32),
  flags: Type.Optional(
    Type.Array(
      StringEnum([
          'SCHED_FLAG_RESET_ON_FORK',
          'SCHED_FLAG_RECLAIM',
          'SCHED_FLAG_DL_OVERRUN',
          'SCHED_FLAG_KEEP_POLICY',
          'SCHED_FLAG_KEEP_PARAMS',
          'SCHED_FLAG_UTIL_CLAMP_MIN',
          'SCHED_FLAG_UTIL_CLAMP_MAX',
        ] as const),
    ),
  ),
  runtime: Type.Optional(Uint64),
  deadline: Type.Optional(Uint64),
  period: Type.Optional(Uint64),
});

const IoPriority = Type.Object({
  class: StringEnum(['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'] as const),
  priority: Type.Integer({ minimum: 0, maximum: 7 }),
});

const CpuList = Type.String({ pattern: '^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$' });

export const Process = Type.Object({
  terminal: Type.Optional(Type.Boolean()),
  consoleSize: Type.Optional(Type.Object({ height: Uint32, width: Uint32 })),
  cwd: Type.String({ pattern: '^/' }),
  env: Type.Optional(Type.Array(Type.String({ pattern: '^[^=]+=' }))),
  args: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  commandLine: Type.Optional(Type.String()),
  user: Type.Optional(User),
  capabilities: Type.Optional(Capabilities),
  rlimits: Type.Optional(Type.Array(Rlimit)),
  noNewPrivileges: Type.Optional(Type.Boolean()),
  apparmorProfile: Type.Optional(Type.String()),
  oomScoreAdj: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
  selinuxLabel: Type.Optional(Type.String()),
  scheduler: Type.Optional(Scheduler),
  ioPriority: Type.Optional(IoPriority),
  execCPUAffinity: Type.Optional(
    Type.Object({ initial: Type.Optional(CpuList), final: Type.Optional(Type.String({ pattern: '^([0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)?$' })) }),
  ),
});


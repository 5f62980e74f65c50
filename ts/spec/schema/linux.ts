// config.json "linux": namespaces, devices, seccomp, sysctl, paths and the rest.
import { Type } from '@sinclair/typebox';
import { AbsolutePath, IdMapping, Int64, StringArray, StringEnum, StringMap, Uint32, Uint64 } from './common.ts';
import { Resources } from './resources.ts';

export const NamespaceType = StringEnum(['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'] as const);

const Namespace = Type.Object({ type: NamespaceType, path: Type.Optional(AbsolutePath) });

const Device = Type.Object({
  type: StringEnum(['c', 'b', 'u', 'p'] as const),
  path: AbsolutePath,
  major: Type.Optional(Int64),
  minor: Type.Optional(Int64),
  fileMode: Type.Optional(Uint32),
  uid: Type.Optional(Uint32),
  gid: Type.Optional(Uint32),
});

const SeccompAction = StringEnum([
    'SCMP_ACT_KILL',
    'SCMP_ACT_KILL_PROCESS',
    'SCMP_ACT_KILL_THREAD',
    'SCMP_ACT_TRAP',
    'SCMP_ACT_ERRNO',
    'SCMP_ACT_TRACE',
    'SCMP_ACT_ALLOW',
    'SCMP_ACT_LOG',
    'SCMP_ACT_NOTIFY',
  ] as const);

const SeccompOperator = StringEnum([
    'SCMP_CMP_NE',
    'SCMP_CMP_LT',
    'SCMP_CMP_LE',
    'SCMP_CMP_EQ',
    'SCMP_CMP_GE',
    'SCMP_CMP_GT',
    'SCMP_CMP_MASKED_EQ',
  ] as const);

const SeccompArch = StringEnum([
    'SCMP_ARCH_X86',
    'SCMP_ARCH_X86_64',
    'SCMP_ARCH_X32',
    'SCMP_ARCH_ARM',
    'SCMP_ARCH_AARCH64',
    'SCMP_ARCH_LOONGARCH64',
    'SCMP_ARCH_M68K',
    'SCMP_ARCH_MIPS',
    'SCMP_ARCH_MIPS64',
    'SCMP_ARCH_MIPS64N32',
    'SCMP_ARCH_MIPSEL',
    'SCMP_ARCH_MIPSEL64',
    'SCMP_ARCH_MIPSEL64N32',
    'SCMP_ARCH_PPC',
    'SCMP_ARCH_PPC64',
    'SCMP_ARCH_PPC64LE',
    'SCMP_ARCH_S390',
    'SCMP_ARCH_S390X',
    'SCMP_ARCH_SH',
    'SCMP_ARCH_SHEB',
    'SCMP_ARCH_PARISC',
    'SCMP_ARCH_PARISC64',
    'SCMP_ARCH_RISCV64',
  ] as const);

const SeccompFlag = StringEnum([
    'SECCOMP_FILTER_FLAG_TSYNC',
    'SECCOMP_FILTER_FLAG_LOG',
    'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
    'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
  ] as const);

const Seccomp = Type.Object({
  defaultAction: SeccompAction,
  defaultErrnoRet: Type.Optional(Uint32),
  architectures: Type.Optional(Type.Array(SeccompArch)),
  flags: Type.Optional(Type.Array(SeccompFlag)),
  listenerPath: Type.Optional(Type.String()),
  listenerMetadata: Type.Optional(Type.String()),
  syscalls: Type.Optional(
    Type.Array(
      Type.Object({
        names: Type.Array(Type.String(), { minItems: 1 }),
        action: SeccompAction,
        errnoRet: Type.Optional(Uint32),
        args: Type.Optional(
          Type.Array(
            Type.Object({
              index: Type.Integer({ minimum: 0, maximum: 5 }),
              value: Uint64,
              valueTwo: Type.Optional(Uint64),
              op: SeccompOperator,
            }),
          ),
        ),
      }),
    ),
  ),
});

const IntelRdt = Type.Object({
  closID: Type.Optional(Type.String()),
  l3CacheSchema: Type.Optional(Type.String()),
  memBwSchema: Type.Optional(Type.String({ pattern: '^MB:[^\\n]*$' })),
  schemata: Type.Optional(Type.Array(Type.String({ pattern: '^[^\\n]*$' }))),
  enableMonitoring: Type.Optional(Type.Boolean()),
});

const MemoryPolicy = Type.Object({
  mode: StringEnum([
      'MPOL_DEFAULT',
      'MPOL_BIND',
      'MPOL_INTERLEAVE',
      'MPOL_WEIGHTED_INTERLEAVE',
      'MPOL_PREFERRED',
      'MPOL_PREFERRED_MANY',
      'MPOL_LOCAL',
    ] as const),
  nodes: Type.Optional(Type.String()),
  flags: Type.Optional(
    Type.Array(StringEnum(['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'] as const)),
  ),
});

const Personality = Type.Object({
  domain: StringEnum(['LINUX', 'LINUX32'] as const),
  flags: Type.Optional(StringArray),
});

const TimeOffset = Type.Object({ secs: Type.Optional(Int64), nanosecs: Type.Optional(Uint32) });

export const Linux = Type.Object({
  namespaces: Type.Optional(Type.Array(Namespace)),
  uidMappings: Type.Optional(Type.Array(IdMapping)),
  gidMappings: Type.Optional(Type.Array(IdMapping)),
  timeOffsets: Type.Optional(Type.Record(Type.String(), TimeOffset)),
  devices: Type.Optional(Type.Array(Device)),
  netDevices: Type.Optional(Type.Record(Type.String(), Type.Object({ name: Type.Optional(Type.String()) }))),
  cgroupsPath: Type.Optional(Type.String()),
  resources: Type.Optional(Resources),
  intelRdt: Type.Optional(IntelRdt),
  memoryPolicy: Type.Optional(MemoryPolicy),
  sysctl: Type.Optional(StringMap),
  seccomp: Type.Optional(Seccomp),
  rootfsPropagation: Type.Optional(
    StringEnum(['private', 'shared', 'slave', 'unbindable', 'rprivate', 'rshared', 'rslave', 'runbindable'] as const),
  ),
  maskedPaths: Type.Optional(Type.Array(AbsolutePath)),
  readonlyPaths: Type.Optional(Type.Array(AbsolutePath)),
  mountLabel: Type.Optional(Type.String()),
  personality: Type.Optional(Personality),
});


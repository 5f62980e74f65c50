// The features structure (the runtime-spec's features.md), as `runc features` prints it: what
// this build of ocirun implements, whatever the host has. The name lists come from the tables
// the addon's parsers use; what they recognise but this version refuses is left out.
import { OCIRUN_COMMIT, OCIRUN_VERSION } from '../build-info.ts';
import { native } from '../native/index.ts';
import { OCI_VERSION } from '../spec/defaults.ts';

export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: string[];
  mountOptions: string[];
  linux: {
    namespaces: string[];
    capabilities: string[];
    cgroup: { v1: boolean; v2: boolean; systemd: boolean; systemdUser: boolean; rdma: boolean };
    seccomp: {
      enabled: boolean;
      actions: string[];
      operators: string[];
      archs: string[];
      knownFlags: string[];
      supportedFlags: string[];
    };
    apparmor: { enabled: boolean };
    selinux: { enabled: boolean };
    memoryPolicy: { modes: string[]; flags: string[] };
    intelRdt: { enabled: boolean };
    mountExtensions: { idmap: { enabled: boolean } };
    netDevices: { enabled: boolean };
  };
  annotations: Record<string, string>;
  potentiallyUnsafeConfigAnnotations: string[];
}

/** The oldest runtime-spec version whose configs ocirun takes. */
export const OCI_VERSION_MIN = '1.0.0';

export function features(): Features {
  const t = native().featureTables();
  // Sorted where runc sorts; capabilities stay in the kernel's order, hooks in the lifecycle's.
  const sorted = (names: string[]) => [...names].sort();
  return {
    ociVersionMin: OCI_VERSION_MIN,
    ociVersionMax: OCI_VERSION,
    hooks: t.hooks,
    mountOptions: t.mountOptions,
    linux: {
      namespaces: sorted(t.namespaces),
      capabilities: t.capabilities,
      // The systemd driver is not built (--systemd-cgroup is refused).
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: true },
      seccomp: {
        enabled: true,
        actions: sorted(t.seccompActions),
        operators: sorted(t.seccompOperators),
        archs: sorted(t.seccompArchs),
        knownFlags: t.seccompKnownFlags,
        supportedFlags: t.seccompSupportedFlags,
      },
      // Applied where the host has the LSM; a label for one it lacks is refused up front.
      apparmor: { enabled: true },
      selinux: { enabled: true },
      memoryPolicy: { modes: t.memoryPolicyModes, flags: t.memoryPolicyFlags },
      // linux.intelRdt is refused: ocirun does not manage resctrl groups yet.
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: true },
    },
    annotations: {
      'io.github.ocirun.version': OCIRUN_VERSION,
      'io.github.ocirun.commit': OCIRUN_COMMIT,
    },
    // No annotation of config.json changes what ocirun does.
    potentiallyUnsafeConfigAnnotations: [],
  };
}

// The stats document of `events --stats` and Container.stats(): runc's types.Stats as JSON,
// which the addon produces (crates/ocirun-core/src/cgroups/stats/types.rs writes it field for
// field). Fields runc leaves out when zero are optional here.

export interface ContainerStats {
  cpu: {
    /** CPU time in nanoseconds. */
    usage: { total?: number; percpu?: number[]; percpu_kernel?: number[]; percpu_user?: number[]; kernel: number; user: number };
    throttling: { periods?: number; throttledPeriods?: number; throttledTime?: number };
  };
  cpuset: {
    cpus?: number[];
    mems?: number[];
    cpu_exclusive: number;
    mem_hardwall: number;
    mem_exclusive: number;
    memory_migrate: number;
    memory_spread_page: number;
    memory_spread_slab: number;
    memory_pressure: number;
    sched_load_balance: number;
    sched_relax_domain_level: number;
  };
  memory: {
    cache?: number;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel: MemoryEntry;
    kernelTCP: MemoryEntry;
    /** memory.stat, key by key. */
    raw?: Record<string, number>;
  };
  pids: { current?: number; limit?: number };
  blkio: Partial<
    Record<
      | 'ioServiceBytesRecursive'
      | 'ioServicedRecursive'
      | 'ioQueueRecursive'
      | 'ioServiceTimeRecursive'
      | 'ioWaitTimeRecursive'
      | 'ioMergedRecursive'
      | 'ioTimeRecursive'
      | 'sectorsRecursive',
      BlkioEntry[]
    >
  >;
  /** Keyed by page size as the kernel names it ("2MB", "1GB"). */
  hugetlb: Record<string, { usage?: number; max?: number; failcnt: number }>;
  intel_rdt: Record<string, never>;
  network_interfaces: NetworkInterface[] | null;
}

export interface MemoryEntry {
  limit: number;
  usage?: number;
  max?: number;
  failcnt: number;
}

export interface BlkioEntry {
  major?: number;
  minor?: number;
  op?: string;
  value?: number;
}

export interface NetworkInterface {
  Name: string;
  RxBytes: number;
  RxPackets: number;
  RxErrors: number;
  RxDropped: number;
  TxBytes: number;
  TxPackets: number;
  TxErrors: number;
  TxDropped: number;
}

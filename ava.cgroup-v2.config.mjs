// The cgroup v2 controller tests move controllers between the host's v1 hierarchies and its
// cgroup2 mount, so they run on their own, one at a time, after the main suite.
import base from './ava.config.mjs';

export default {
  ...base,
  files: ['test/cgroup-v2/**/*.test.ts'],
  concurrency: 1,
};

// ava runs the TypeScript tests directly on Node 24 (type stripping), as root.
export default {
  files: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
  extensions: { ts: 'module' },
  workerThreads: false,
  concurrency: 2,
  timeout: '3m',
};

// A container's status, derived from its init process as runc derives it.
import test from 'ava';
import type { ContainerRecord } from '../../../ts/container/state-store.ts';
import { deriveStatus, INIT_COMM, transitions } from '../../../ts/container/status.ts';
import { InvalidStateError } from '../../../ts/errors.ts';

const record = (over: Partial<ContainerRecord> = {}): ContainerRecord => ({
  version: 1,
  id: 'c',
  bundle: '/b',
  rootfs: '/b/rootfs',
  created: '2026-01-01T00:00:00.000Z',
  owner: 'root',
  annotations: {},
  phase: 'created',
  creator: { pid: 10, startTime: 100 },
  init: { pid: 20, startTime: 200 },
  ...over,
});
const stat = (startTime: number, comm = INIT_COMM, state = 'S') => ({ comm, state, startTime });

test('an init waiting on exec.fifo is created', (t) => {
  t.is(deriveStatus(record(), { init: stat(200), creator: null, fifoExists: true }), 'created');
});

test('an init that has executed the program is running', (t) => {
  t.is(deriveStatus(record(), { init: stat(200, 'sleep'), creator: null, fifoExists: false }), 'running');
  // start crashed after releasing the init but before removing the fifo
  t.is(deriveStatus(record(), { init: stat(200, 'sleep'), creator: null, fifoExists: true }), 'running');
});

test('a dead init, a zombie, or a reused pid is stopped', (t) => {
  t.is(deriveStatus(record(), { init: null, creator: null, fifoExists: false }), 'stopped');
  t.is(deriveStatus(record(), { init: stat(200, 'sleep', 'Z'), creator: null, fifoExists: false }), 'stopped');
  t.is(deriveStatus(record(), { init: stat(999, 'sleep'), creator: null, fifoExists: false }), 'stopped');
});

test('a create in progress is creating, and stopped once its creator is gone', (t) => {
  const r = record({ phase: 'creating' });
  t.is(deriveStatus(r, { init: stat(200), creator: stat(100, 'node'), fifoExists: true }), 'creating');
  t.is(deriveStatus(r, { init: stat(200), creator: null, fifoExists: true }), 'stopped');
});

test('start, kill and delete follow runc rules', (t) => {
  t.notThrows(() => transitions.start('c', 'created'));
  t.throws(() => transitions.start('c', 'running'), { instanceOf: InvalidStateError, message: 'cannot start an already running container' });
  t.throws(() => transitions.kill('c', 'stopped'), { message: 'container not running' });
  t.notThrows(() => transitions.delete('c', 'created', false));
  t.throws(() => transitions.delete('c', 'running', false), { message: 'cannot delete container c that is not stopped: running' });
  t.notThrows(() => transitions.delete('c', 'running', true));
});

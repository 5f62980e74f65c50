// Container ids and signal arguments, as runc accepts them.
import test from 'ava';
import { InvalidArgumentError } from '../../../ts/errors.ts';
import { validateId } from '../../../ts/container/ids.ts';
import { parseSignal } from '../../../ts/container/signals.ts';

test('ordinary ids are accepted', (t) => {
  for (const id of ['a', 'my-container_1.2', 'x+y', 'A'.repeat(255)]) t.notThrows(() => validateId(id));
});

test('ids that could escape the state root or are too long are refused', (t) => {
  for (const id of ['', '.', '..', 'a/b', '../x', 'a b', 'é', 'A'.repeat(256)]) {
    t.throws(() => validateId(id), { instanceOf: InvalidArgumentError }, id);
  }
});

test('signals parse from numbers and names, with or without SIG', (t) => {
  t.is(parseSignal('15'), 15);
  t.is(parseSignal('KILL'), 9);
  t.is(parseSignal('SIGKILL'), 9);
  t.is(parseSignal('sigterm'), 15);
  t.is(parseSignal('RTMIN+2'), 36);
  t.is(parseSignal('64'), 64);
});

test('unknown signals are refused', (t) => {
  for (const s of ['FOO', '0', '65', 'SIGRTMAX+1', '-9']) t.throws(() => parseSignal(s), { instanceOf: InvalidArgumentError }, s);
});

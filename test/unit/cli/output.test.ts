// What the CLI prints, compared with runc's formats.
import test from 'ava';
import { table } from '../../../ts/cli/list.ts';
import { invokedCommand } from '../../../ts/cli/main.ts';
import { formatLine } from '../../../ts/log/format.ts';

test('list lays out columns as runc tabwriter does', (t) => {
  const out = table([
    ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ['t3', '3362', 'created', '/tmp/rs', '2026-11-28T23:32:24.839775821Z', 'root'],
  ]);
  t.is(
    out,
    'ID          PID         STATUS      BUNDLE      CREATED                          OWNER\n' +
      't3          3362        created     /tmp/rs     2026-11-28T23:32:24.839775821Z   root\n',
  );
});

test('log lines match logrus text and JSON', (t) => {
  const time = new Date('2026-11-28T23:32:22.123Z');
  t.is(formatLine('text', 'error', 'container does not exist', time), 'time="2026-11-28T23:32:22Z" level=error msg="container does not exist"\n');
  t.is(formatLine('json', 'warn', 'x', time, { id: 'c1' }), '{"level":"warning","msg":"x","time":"2026-11-28T23:32:22Z","id":"c1"}\n');
});

test('the invoked command is found past global flags', (t) => {
  t.is(invokedCommand(['--root', '/r', '--log-format', 'json', 'create', '-b', 'x', 'id']), 'create');
  t.is(invokedCommand(['--log-format=json', 'state', 'id']), 'state');
  t.is(invokedCommand(['--version']), undefined);
  t.is(invokedCommand(['frobnicate']), undefined);
});

// The fixture most integration test files share: a private state root (a Runtime) and a
// busybox bundle, made before the file's tests and removed after them, also when one fails.
import test from 'ava';
import { makeBundle, type TestBundle } from './bundle.ts';
import { Runtime } from './cli.ts';

export interface Fixture {
  readonly rt: Runtime;
  readonly bundle: TestBundle;
}

export function useRuntimeAndBundle(): Fixture {
  let rt: Runtime | undefined;
  let bundle: TestBundle | undefined;
  test.before(() => {
    rt = new Runtime();
    bundle = makeBundle();
  });
  test.after.always(() => {
    rt?.destroy();
    bundle?.remove();
  });
  const ready = <T>(v: T | undefined, what: string): T => {
    if (!v) throw new Error(`the ${what} is used before test.before ran`);
    return v;
  };
  return {
    get rt() {
      return ready(rt, 'runtime');
    },
    get bundle() {
      return ready(bundle, 'bundle');
    },
  };
}

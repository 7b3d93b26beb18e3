import * as assert from 'uvu/assert';

/** Asserts that fn's promise rejects with an instance of `type`; returns the error. */
export async function rejectsWith<T extends Error>(fn: () => Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await fn();
  } catch (err) {
    assert.instance(err, type, `expected ${type.name}, got ${String(err)}`);
    return err as T;
  }
  assert.unreachable(`expected ${type.name}, but it resolved`);
  throw new Error('unreachable');
}

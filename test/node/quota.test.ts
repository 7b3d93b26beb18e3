// The storage quota: a soft limit raised on apply, refusing only writes that add bytes, latched until disarmed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NoSpaceError } from '../../src/codec/errors.js';
import type { CommandOp } from '../../src/codec/types.js';
import { StorageQuota } from '../../src/node/quota.js';

const b = (s: string) => new TextEncoder().encode(s);
const put: CommandOp = { type: 'put', key: b('k'), value: b('v'.repeat(10)), lease: 0, prevKv: false };
const del: CommandOp = { type: 'deleteRange', key: b('k'), rangeEnd: new Uint8Array(0), prevKv: false };
const txnDel: CommandOp = { type: 'txn', compare: [], success: [del as Extract<CommandOp, { type: 'deleteRange' }>], failure: [] };

test('under the quota nothing is refused; over it, writes that add bytes are, until disarmed', () => {
  const raised: number[] = [];
  const q = new StorageQuota(100, (_alarm, bytes) => raised.push(bytes));
  q.check(put, 95); // crossing is allowed (soft limit)
  q.observe(106);
  assert.equal(q.alarms(), ['NOSPACE']);
  assert.equal(raised, [106]);
  assert.throws(() => q.check(put, 106), (err: unknown) => err instanceof NoSpaceError);
  q.check(del, 106);
  q.check(txnDel, 106);
  q.check({ type: 'compact', revision: 3 }, 106);
  q.observe(50); // space freed: still latched
  assert.throws(() => q.check(put, 50), (err: unknown) => err instanceof NoSpaceError);
  q.disarm();
  q.check(put, 50);
  q.disarm();
  assert.throws(() => q.check(put, 150), (err: unknown) => err instanceof NoSpaceError, 'disarmed while still over quota: raised again at once');
  assert.equal(q.alarms(), ['NOSPACE']);
});

test('quota 0 means none', () => {
  const q = new StorageQuota(0);
  q.observe(10 ** 12);
  q.check(put, 10 ** 12);
  assert.equal(q.alarms(), []);
});

test.run();

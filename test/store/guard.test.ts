// Txn guards (fencing): a failed guard is an error and applies neither branch; a held guard is invisible.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KvStore } from '../../src/store/index.js';
import type { CommandOp, TxnResult } from '../../src/codec/types.js';
import { decodeCommand, encodeCommand } from '../../src/codec/index.js';
import { applyAll, applyOne, cmp, dump, put, txn } from './helpers.js';

function guarded(guard: ReturnType<typeof cmp>[], ...rest: Parameters<typeof txn>): CommandOp {
  return { ...(txn(...rest) as Extract<CommandOp, { type: 'txn' }>), guard };
}

test('a held guard lets the txn run its branch as usual', () => {
  const store = new KvStore();
  applyAll(store, put('/keel/brokers/b1', 'info'));            // epoch = createRevision 1
  const out = applyOne(store, guarded([cmp('/keel/brokers/b1', 'createRevision', 'equal', 1)], [], [put('x', '1')]));
  assert.is(out.error, null);
  assert.is((out.result as TxnResult).succeeded, true);
  assert.equal(dump(store), [['/keel/brokers/b1', 'info'], ['x', '1']]);
});

test('a failed guard answers Fenced, names the condition, and applies neither branch', () => {
  const store = new KvStore();
  applyAll(store, put('/keel/brokers/b1', 'info'));
  const before = store.revision;
  const out = applyOne(store, guarded([cmp('/keel/brokers/b1', 'createRevision', 'equal', 7)], [], [put('x', '1')], [put('y', '1')]));
  assert.is(out.error?.code, 'Fenced');
  assert.match(out.error!.message, 'createRevision(/keel/brokers/b1) = 7');
  assert.is(store.revision, before);
  assert.equal(dump(store), [['/keel/brokers/b1', 'info']]);
});

test('a guard on a missing registration fails (the broker is gone)', () => {
  const store = new KvStore();
  const out = applyOne(store, guarded([cmp('/keel/brokers/b9', 'createRevision', 'equal', 3)], [], [put('x', '1')]));
  assert.is(out.error?.code, 'Fenced');
});

test('guards survive the command codec; a txn without guards decodes without the field', () => {
  const op = guarded([cmp('k', 'createRevision', 'equal', 5)], [], [put('x', '1')]);
  const back = decodeCommand(encodeCommand({ requestId: null, op })).op as Extract<CommandOp, { type: 'txn' }>;
  assert.is(back.guard?.length, 1);
  assert.is(Buffer.from(back.guard![0]!.key).toString(), 'k');
  assert.is(back.guard![0]!.number, 5);
  const plain = decodeCommand(encodeCommand({ requestId: null, op: txn([], [put('x', '1')]) })).op;
  assert.not.ok('guard' in plain);
});

test.run();

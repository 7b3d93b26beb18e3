// The framing of several requests (or answers) in one NATS message (src/codec/request-batch.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_BATCH_ITEMS, MalformedBatchError, batchOverhead, decodeBatch, encodeBatch, isBatch } from '../../src/codec/request-batch.js';

const items = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.of(9)];

test('a batch round-trips its items in order, empty items included', () => {
  const bytes = encodeBatch(items);
  assert.is(bytes.length, batchOverhead(3) + 4);
  assert.ok(isBatch(bytes));
  assert.equal(decodeBatch(bytes).map((i) => [...i]), [[1, 2, 3], [], [9]]);
});

test('anything but exactly one well-formed batch is refused with a reason', () => {
  const good = encodeBatch(items);
  const cases: [Uint8Array, RegExp][] = [
    [Uint8Array.of(1, 2, 3), /no KB1 header/],
    [encodeBatch([]), /1 to 128 items, not 0/],
    [good.subarray(0, good.length - 1), /item 2 of 3 is cut short/],
    [good.subarray(0, 10), /item 0 of 3 is cut short/],
    [Uint8Array.from([...good, 0]), /1 bytes follow the last item/],
  ];
  for (const [bytes, reason] of cases) {
    assert.throws(() => decodeBatch(bytes), (e: unknown) => e instanceof MalformedBatchError && reason.test((e as Error).message));
  }
  const tooMany = encodeBatch(Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => Uint8Array.of(1)));
  assert.throws(() => decodeBatch(tooMany), /1 to 128 items, not 129/);
  assert.throws(() => decodeBatch(good, 2), /1 to 2 items, not 3/);
  // A length that claims more than the message holds never reads past it.
  const lying = Buffer.from(encodeBatch([Uint8Array.of(1)]));
  lying.writeUInt32BE(0xffffffff, 8);
  assert.throws(() => decodeBatch(lying), /cut short/);
});

test.run();

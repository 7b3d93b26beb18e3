// The one length + CRC frame (src/codec/framing.ts) used by log records, snapshots and raft-state.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HEADER_BYTES, frame, frameHeader, readFrame } from '../../src/codec/framing.js';

test('a frame is u32 LE length | u32 LE crc32 | payload, and reads back', () => {
  const payload = Buffer.from('123456789'); // the standard CRC-32 check value is 0xCBF43926
  const bytes = Buffer.concat([Buffer.from([9, 9]), frame(payload), Buffer.from([7])]);
  assert.equal(frame(payload).subarray(0, FRAME_HEADER_BYTES), frameHeader(payload));
  assert.is(bytes.readUInt32LE(2), payload.length);
  assert.is(bytes.readUInt32LE(6), 0xcbf4_3926);
  const read = readFrame(bytes, 2);
  assert.ok(read.ok);
  if (read.ok) {
    assert.is(read.payload.toString(), '123456789');
    assert.is(read.end, 2 + FRAME_HEADER_BYTES + payload.length);
  }
});

test('each way a frame can be bad is named', () => {
  const good = frame(Buffer.from('abcdef'));
  assert.equal(readFrame(good.subarray(0, 5), 0), { ok: false, reason: 'short frame', length: 0 });
  assert.equal(readFrame(Buffer.alloc(16), 0), { ok: false, reason: 'zero length', length: 0 });
  assert.equal(readFrame(good.subarray(0, good.length - 1), 0), { ok: false, reason: 'short payload', length: 6 });
  const flipped = Buffer.from(good);
  flipped[FRAME_HEADER_BYTES + 2] ^= 0x10;
  assert.equal(readFrame(flipped, 0), { ok: false, reason: 'crc mismatch', length: 6 });
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareBytes, prefixEnd, toBytes } from '../../src/codec/index.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

test('toBytes encodes strings as UTF-8 and passes bytes through untouched', () => {
  assert.equal([...toBytes('a/é')], [0x61, 0x2f, 0xc3, 0xa9]);
  const raw = bytes(1, 2, 3);
  assert.is(toBytes(raw), raw);
  assert.is(toBytes('').length, 0);
});

test('toBytes gives what TextEncoder gives for short and long, ASCII and other strings', () => {
  const encoder = new TextEncoder();
  const cases = ['k.1', 'a'.repeat(64), 'a'.repeat(65), '\x7f', '\x80', 'ключ', 'k.🦀', 'x'.repeat(63) + 'é', '\u0000a'];
  for (const s of cases) assert.equal([...toBytes(s)], [...encoder.encode(s)], JSON.stringify(s));
});

test('prefixEnd increments the last byte below 0xff (etcd semantics)', () => {
  assert.equal([...prefixEnd(toBytes('/keel/brokers/'))], [...toBytes('/keel/brokers0')]);
  assert.equal([...prefixEnd(bytes(0x61, 0xff))], [0x62]);
  assert.equal([...prefixEnd(bytes(0x01, 0xfe, 0xff, 0xff))], [0x01, 0xff]);
});

test('prefixEnd of an empty or all-0xff prefix is [0x00] ("to the end")', () => {
  assert.equal([...prefixEnd(bytes())], [0]);
  assert.equal([...prefixEnd(bytes(0xff, 0xff))], [0]);
});

test('prefixEnd does not modify its input', () => {
  const prefix = bytes(0x61, 0x62);
  prefixEnd(prefix);
  assert.equal([...prefix], [0x61, 0x62]);
});

test('every key with the prefix sorts below prefixEnd, and the prefix itself sorts at or above the prefix', () => {
  const prefix = toBytes('ab');
  const end = prefixEnd(prefix);
  for (const key of ['ab', 'ab\u0000', 'abzzz', 'ab\u00ff\u00ff']) {
    const k = toBytes(key);
    assert.ok(compareBytes(k, prefix) >= 0 && compareBytes(k, end) < 0, key);
  }
  assert.ok(compareBytes(toBytes('ac'), end) >= 0);
});

test('compareBytes orders bytewise, unsigned, a proper prefix first', () => {
  assert.ok(compareBytes(bytes(1, 2), bytes(1, 3)) < 0);
  assert.ok(compareBytes(bytes(0xff), bytes(0x00, 0x01)) > 0); // unsigned: 0xff is the largest byte
  assert.ok(compareBytes(bytes(1), bytes(1, 0)) < 0);
  assert.is(compareBytes(bytes(4, 5), bytes(4, 5)), 0);
  assert.is(compareBytes(bytes(), bytes()), 0);
  const keys = ['b', 'a', 'ab', '', 'é', 'Z'].map(toBytes).sort(compareBytes);
  assert.equal(keys.map((k) => Buffer.from(k).toString()), ['', 'Z', 'a', 'ab', 'b', 'é']);
});

test.run();

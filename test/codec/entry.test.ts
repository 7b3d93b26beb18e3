import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeCommand, entryCodec, entryCodecFor, InvalidArgumentError, type Entry } from '../../src/codec/index.js';
import { commands } from './samples.js';

const entry = (index: number, term: number, data: Uint8Array, type: Entry['type'] = 'normal'): Entry => ({ index, term, type, data });

test('an entry survives encode then decode, normal and config, with plain Uint8Array data', () => {
  for (const e of [entry(1, 1, encodeCommand(commands[0]!)), entry(2 ** 40, 3, Uint8Array.of(1, 2, 3), 'config'), entry(5, 2, new Uint8Array())]) {
    const back = entryCodec.decode(entryCodec.encode(e));
    assert.equal({ ...back, data: [...back.data] }, { ...e, data: [...e.data] });
    assert.is(Object.getPrototypeOf(back), Object.prototype);
  }
});

test('peekIndexTerm reads index and term without decoding the rest, across the long range', () => {
  for (const [index, term] of [[0, 0], [1, 1], [63, 64], [300, 70000], [2 ** 31, 2 ** 32 + 1], [2 ** 53 - 2, 2 ** 52 + 1]] as const) {
    const encoded = entryCodec.encode(entry(index, term, Uint8Array.of(9)));
    assert.equal(entryCodec.peekIndexTerm(encoded), { index, term });
    // The peek needs only the leading bytes: cut off the data and it still works.
    assert.equal(entryCodec.peekIndexTerm(encoded.subarray(0, encoded.length - 2)), { index, term });
  }
});

test('peekIndexTerm agrees with decode on negative longs (zigzag sign)', () => {
  const encoded = Buffer.from([0x01, 0x03, 0x00, 0x00]); // index -1, term -2, normal, empty data
  assert.equal(entryCodec.peekIndexTerm(encoded), { index: -1, term: -2 });
  const decoded = entryCodec.decode(encoded);
  assert.equal({ index: decoded.index, term: decoded.term }, { index: -1, term: -2 });
});

test('peekIndexTerm throws InvalidArgumentError on bytes too short or too large to hold two longs', () => {
  for (const bad of [Buffer.from([]), Buffer.from([0x02]), Buffer.from([0x02, 0x80]), Buffer.alloc(12, 0xff)]) {
    assert.throws(() => entryCodec.peekIndexTerm(bad), (e: unknown) => e instanceof InvalidArgumentError);
  }
  // 2^53 is beyond what avsc (and the peek) accept.
  const tooBig = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x02]);
  assert.throws(() => entryCodec.peekIndexTerm(tooBig), /beyond 2\^53/);
});

test('decode throws InvalidArgumentError on a truncated entry and on an unknown entry type', () => {
  const encoded = entryCodec.encode(entry(7, 2, Uint8Array.of(1, 2, 3, 4)));
  for (let cut = 0; cut < encoded.length; cut++) {
    assert.throws(() => entryCodec.decode(encoded.subarray(0, cut)), (e: unknown) => e instanceof InvalidArgumentError, `cut ${cut}`);
  }
  const badType = Buffer.from(encoded);
  badType[2] = 0x04; // enum index 2: EntryType has two symbols
  assert.throws(() => entryCodec.decode(badType), /enum index/);
});

test('encode refuses entries that do not fit the schema', () => {
  assert.throws(() => entryCodec.encode({ index: 1.5, term: 1, type: 'normal', data: new Uint8Array() }), (e: unknown) => e instanceof InvalidArgumentError);
  assert.throws(() => entryCodec.encode({ index: 1, term: 1, type: 'weird' as never, data: new Uint8Array() }), (e: unknown) => e instanceof InvalidArgumentError);
  assert.throws(() => entryCodec.encode({ index: 1, term: 1, type: 'normal', data: 'text' as never }), (e: unknown) => e instanceof InvalidArgumentError);
});

test('entryCodecFor returns the current codec for the current fingerprint and refuses unknown ones by name', () => {
  assert.is(entryCodecFor(entryCodec.fingerprint), entryCodec);
  assert.is(entryCodecFor(Uint8Array.from(entryCodec.fingerprint)), entryCodec);
  assert.throws(() => entryCodecFor(new Uint8Array(8)), (e: unknown) =>
    e instanceof InvalidArgumentError && /unknown entry schema fingerprint 0000000000000000.*2e9c8015c59c97a9/.test(e.message));
});

test.run();

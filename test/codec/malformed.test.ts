// Malformed input must become InvalidArgumentError with a reason: never another error, a hang or a crash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeCommand, decodeOutcome, decodeRequest, decodeResponse, encodeCommand, encodeOutcome, encodeRequest,
  encodeResponse, InvalidArgumentError,
} from '../../src/codec/index.js';
import { b, commands, outcomes, requests, responses } from './samples.js';
import avro from 'avsc';
import { avroOptions, minEncodedBytes } from '../../src/codec/avro-types.js';
import { typeNamed } from '../../src/codec/schemas.js';

const isInvalid = (e: unknown) => e instanceof InvalidArgumentError;

/** Zigzag varint, as Avro writes int and long. */
function long(n: number): number[] {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return out;
}

const decoders: [string, (b: Uint8Array) => unknown, Buffer[]][] = [
  ['request', decodeRequest, requests.map(encodeRequest)],
  ['response', decodeResponse, responses.map(encodeResponse)],
  ['command', decodeCommand, commands.map(encodeCommand)],
  ['outcome', decodeOutcome, outcomes.map(encodeOutcome)],
];

test('every strict prefix of every valid encoding is refused as truncated', () => {
  for (const [name, decode, samples] of decoders) {
    for (const encoded of samples) {
      for (let cut = 0; cut < encoded.length; cut++) {
        assert.throws(() => decode(encoded.subarray(0, cut)), isInvalid, `${name} cut at ${cut}/${encoded.length}`);
      }
    }
  }
});

test('trailing bytes after a valid message are refused', () => {
  const encoded = encodeRequest(requests[1]!);
  assert.throws(() => decodeRequest(Buffer.concat([encoded, Buffer.from([0])])), /trailing data/);
});

test('union indexes out of range are refused, for the body and for a nullable field', () => {
  const bodyBranches = (typeNamed('keel.ApiRequest') as unknown as { field(n: string): { type: { types: unknown[] } } }).field('body').type.types.length;
  assert.throws(() => decodeRequest(Buffer.from([0, ...long(bodyBranches)])), (e: unknown) => isInvalid(e) && /invalid union index/.test((e as Error).message));
  assert.throws(() => decodeRequest(Buffer.from([0, ...long(-1)])), /invalid union index/);
  assert.throws(() => decodeRequest(Buffer.from([...long(2), 0, 0, 0, 0, 0, 0])), /invalid union index/);
  const opBranches = (typeNamed('keel.Command') as unknown as { field(n: string): { type: { types: unknown[] } } }).field('op').type.types.length;
  assert.throws(() => decodeCommand(Buffer.from([0, ...long(opBranches)])), /invalid union index/);
});

test('an enum index out of range is refused', () => {
  // A txn request whose single compare has target index 7 (CompareTarget has 5 symbols).
  const bytes = [0, ...long(3), ...long(1), 2, 0x61, 0, ...long(7), 0, 0, 0, 0, 0, 0];
  assert.throws(() => decodeRequest(Buffer.from(bytes)), (e: unknown) => isInvalid(e) && /CompareTarget enum index: 7/.test((e as Error).message));
});

test('a hostile array count is refused at once instead of allocating', () => {
  for (const count of [2 ** 20, 2 ** 31, 2 ** 50, -(2 ** 40)]) {
    const bytes = Buffer.from([0, ...long(3), ...long(count), ...long(5), 1, 2, 3]);
    const started = performance.now();
    assert.throws(() => decodeRequest(bytes), (e: unknown) => isInvalid(e) && /array block/.test((e as Error).message), String(count));
    assert.ok(performance.now() - started < 50, 'refused quickly');
  }
  // The same for a list of longs (leaseExpire ids) inside a command.
  assert.throws(() => decodeCommand(Buffer.from([0, ...long(5), ...long(1000), 2, 4])), /array block of 1000 items/);
});

test('the array bound counts each item at its smallest encoding, and still allows valid zero-byte items', () => {
  const registry = {};
  const compares = avro.Type.forSchema({ type: 'array', items: typeNamed('keel.Compare').schema() as avro.Schema }, avroOptions(registry));
  // A Compare takes at least 6 bytes: 3 of them cannot hold even one.
  assert.throws(() => compares.fromBuffer(Buffer.from([...long(1), 0, 0, 0, 0])), /array block of 1 items but only 4 bytes left/);
  assert.is(minEncodedBytes(typeNamed('keel.Compare')), 6);
  const nulls = avro.Type.forSchema({ type: 'array', items: 'null' }, avroOptions({}));
  assert.is((nulls.fromBuffer(Buffer.from([...long(1000), 0])) as unknown[]).length, 1000);
  assert.throws(() => nulls.fromBuffer(Buffer.from([...long(2 ** 30), 0])), /array block/);
});

test('negative and oversized byte lengths are refused', () => {
  assert.throws(() => decodeRequest(Buffer.from([0, 0, ...long(-5), 1, 2, 3])), isInvalid);
  assert.throws(() => decodeRequest(Buffer.from([0, 0, ...long(1000), 1, 2, 3])), /truncated/);
});

test('a long beyond 2^53 is refused rather than rounded', () => {
  const bytes = [0, ...long(5), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]; // compact revision 2^62
  assert.throws(() => decodeRequest(Buffer.from(bytes)), (e: unknown) => isInvalid(e) && /precision/.test((e as Error).message));
});

test('random garbage never escapes as anything but InvalidArgumentError (seeded, 20k inputs)', () => {
  let seed = 0x2545f491;
  const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    const bytes = Buffer.from(Array.from({ length: 1 + (i % 40) }, next));
    for (const [, decode] of decoders) {
      try {
        decode(bytes);
      } catch (err) {
        if (!isInvalid(err)) throw new Error(`${String(err)} for ${bytes.toString('hex')}`);
        refused++;
      }
    }
  }
  assert.ok(refused > 70_000, `most garbage is refused (${refused})`);
});

test('valid messages with one byte changed decode or are refused, never anything else', () => {
  let refused = 0;
  let total = 0;
  for (const [name, decode, samples] of decoders) {
    for (const encoded of samples) {
      for (let at = 0; at < encoded.length; at++) {
        for (const replacement of [0x00, 0x01, 0x7f, 0x80, 0xff, encoded[at]! ^ 0x02]) {
          const mutated = Buffer.from(encoded);
          mutated[at] = replacement;
          total++;
          try {
            decode(mutated);
          } catch (err) {
            if (!isInvalid(err)) throw new Error(`${name}: ${String(err)} for ${mutated.toString('hex')}`);
            refused++;
          }
        }
      }
    }
  }
  assert.ok(refused > total / 4, `${refused} of ${total} refused`);
});

test('non-bytes input is refused', () => {
  for (const bad of ['text', null, undefined, 42, {}]) {
    assert.throws(() => decodeRequest(bad as never), isInvalid, String(bad));
  }
});

test('encoding a value that does not fit the schema throws InvalidArgumentError naming the problem', () => {
  const cases: [unknown, RegExp][] = [
    [{ requestId: null, body: { type: 'watch' } }, /unknown request type "watch"/],
    [{ requestId: null, body: null }, /unknown request type/],
    [{ requestId: null, body: { type: 'put', key: 'k', value: b('v'), lease: 0, prevKv: false } }, /bytes/],
    [{ requestId: null, body: { type: 'put', key: b('k'), value: b('v'), lease: 1.5, prevKv: false } }, /long/],
    [{ requestId: null, body: { type: 'compact' } }, /long/],
    [{ requestId: { clientId: 7, seq: 1 }, body: { type: 'status' } }, /cannot encode/],
    [{ requestId: null, body: { type: 'txn', compare: [], success: [{ type: 'txn' }], failure: [] } }, /unknown transaction operation type "txn"/],
  ];
  for (const [value, reason] of cases) {
    assert.throws(() => encodeRequest(value as never), (e: unknown) => isInvalid(e) && reason.test((e as Error).message), JSON.stringify(value));
  }
  assert.throws(() => encodeCommand({ requestId: null, op: { type: 'status' } } as never), /unknown command type "status"/);
  // ApplyOutcome's result union holds command results only.
  assert.throws(() => encodeOutcome({ revision: 1, result: { type: 'range', kvs: [], count: 0, more: false }, error: null } as never), isInvalid);
  assert.throws(() => encodeResponse({ header: { revision: 1, nodeId: 'n', term: 1 }, error: null, body: { type: 'nope' } } as never), /unknown result type "nope"/);
});

test('a length that decodes to NaN is refused and does not break later decodes (avsc pool poisoning)', () => {
  const put = { requestId: { clientId: 'abc', seq: 2 }, body: { type: 'put', key: b('fuzz/after/0'), value: b('0'), lease: 0, prevKv: false } } as const;
  const good = encodeRequest(put as never);
  const keyLengthAt = good.indexOf(0x18); // the key's length varint (12, zigzag)
  // 150 x 0xff overflows avsc's varint arithmetic to Infinity; 0x80 then adds 0 x Infinity = NaN.
  const hostile = Buffer.concat([good.subarray(0, keyLengthAt), Buffer.alloc(150, 0xff), Buffer.from([0x80, 0x00]), good.subarray(keyLengthAt + 1)]);
  assert.throws(() => decodeRequest(hostile));
  const after = decodeRequest(good);
  assert.equal(after.body.type === 'put' && Buffer.from(after.body.key).toString(), 'fuzz/after/0');
});

test.run();

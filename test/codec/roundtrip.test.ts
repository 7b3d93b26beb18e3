import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeCommand, decodeOutcome, decodeRequest, decodeResponse, decodeWatchEvent, encodeCommand,
  encodeOutcome, encodeRequest, encodeResponse, encodeWatchEvent,
  typeNamed, type WatchEvent,
} from '../../src/codec/index.js';
import { b, commands, kv, nonPlainPath, outcomes, plain, requests, responses } from './samples.js';

function roundTrips<T>(name: string, samples: T[], encode: (v: T) => Buffer, decode: (b: Uint8Array) => T): void {
  test(`${name}: every variant survives encode then decode, as plain objects`, () => {
    for (const sample of samples) {
      const decoded = decode(encode(sample));
      assert.equal(plain(decoded), plain(sample), JSON.stringify(sample));
      assert.is(nonPlainPath(decoded), null);
    }
  });
}

roundTrips('Command', commands, encodeCommand, decodeCommand);
roundTrips('ApplyOutcome', outcomes, encodeOutcome, decodeOutcome);
roundTrips('ApiRequest', requests, encodeRequest, decodeRequest);
roundTrips('ApiResponse', responses, encodeResponse, decodeResponse);
roundTrips<WatchEvent>('WatchEvent', [
  { type: 'put', kv: kv('/k', 'v'), prevKv: null },
  { type: 'put', kv: kv('/k', 'v2', 9), prevKv: kv('/k', 'v') },
  { type: 'delete', kv: { ...kv('/k', ''), version: 0 }, prevKv: kv('/k', 'v2', 9) },
], encodeWatchEvent, decodeWatchEvent);

test('the samples cover every command op, request and response body type', () => {
  const kinds = (list: { type: string }[]) => new Set(list.map((x) => x.type));
  assert.equal([...kinds(commands.map((c) => c.op))].sort(),
    ['compact', 'deleteRange', 'leaseExpire', 'leaseExtendAll', 'leaseGrant', 'leaseRevoke', 'noop', 'put', 'txn']);
  assert.is(kinds(requests.map((r) => r.body)).size, 20);
  assert.is(kinds(responses.flatMap((r) => (r.body ? [r.body] : []))).size, 18);
});

test('every branch of every schema union has a sample (a new branch needs a mapping and a sample)', () => {
  const branches = (typeName: string, field: string) =>
    (typeNamed(typeName) as unknown as { field(n: string): { type: { types: unknown[] } } }).field(field).type.types.length;
  const kinds = (list: { type: string }[]) => new Set(list.map((x) => x.type)).size;
  // Command.op: one branch per command sample, and Batch (entry data only: entry-commands.test.ts).
  assert.is(branches('keel.Command', 'op'), kinds(commands.map((c) => c.op)) + 1);
  assert.is(branches('keel.ApiRequest', 'body'), kinds(requests.map((r) => r.body)));
  // ApplyOutcome.result: null + 5 records (EmptyResult carries 5 types); ApiResponse.body: null + 11 records.
  assert.is(branches('keel.ApplyOutcome', 'result'), 1 + kinds(outcomes.flatMap((o) => (o.result ? [o.result] : []))) - 4);
  assert.is(branches('keel.ApiResponse', 'body'), 1 + kinds(responses.flatMap((r) => (r.body ? [r.body] : []))) - 4);
});

test('bytes decode as a copy: changing the input afterwards does not change the value', () => {
  const encoded = encodeRequest({ requestId: null, body: { type: 'put', key: b('k'), value: b('vvv'), lease: 0, prevKv: false } });
  const decoded = decodeRequest(encoded);
  encoded.fill(0);
  assert.equal(plain(decoded.body), plain({ type: 'put', key: b('k'), value: b('vvv'), lease: 0, prevKv: false }));
});

test('decoding accepts a Uint8Array view at an offset inside a larger buffer', () => {
  const encoded = encodeCommand(commands[2]!);
  const big = new Uint8Array(encoded.length + 10);
  big.set(encoded, 5);
  assert.equal(plain(decodeCommand(big.subarray(5, 5 + encoded.length))), plain(commands[2]));
});

test('Buffer and Uint8Array values encode to the same bytes', () => {
  const asU8 = encodeCommand({ requestId: null, op: { type: 'put', key: b('k'), value: b('v'), lease: 0, prevKv: false } });
  const asBuf = encodeCommand({ requestId: null, op: { type: 'put', key: Buffer.from('k'), value: Buffer.from('v'), lease: 0, prevKv: false } });
  assert.equal([...asU8], [...asBuf]);
});

test('a put request has the compact layout we expect (no hidden overhead)', () => {
  const encoded = encodeRequest({ requestId: { clientId: 'c', seq: 1 }, body: { type: 'put', key: b('k'), value: b('v'), lease: 0, prevKv: false } });
  // union branch 1 (RequestId) | "c" | seq 1 | branch 0 (PutOp) | "k" | "v" | lease 0 | prevKv false
  assert.equal([...encoded], [2, 2, 0x63, 2, 0, 2, 0x6b, 2, 0x76, 0, 0]);
});

test('values larger than the encode scratch buffer round-trip, and small ones after them stay exact', () => {
  for (const size of [64 * 1024, 768 * 1024, 3 * 1024 * 1024, 10]) {
    const value = new Uint8Array(size).map((_, i) => i % 251);
    const body = { type: 'put' as const, key: b(`k${size}`), value, lease: 0, prevKv: false };
    const encoded = encodeRequest({ requestId: null, body });
    assert.ok(encoded.length > size);
    const back = decodeRequest(encoded).body as typeof body;
    assert.is(Buffer.compare(back.value, value), 0, String(size));
    assert.is(Buffer.from(back.key).toString(), `k${size}`);
  }
});

test.run();

// Limits checked by the client before anything is sent (and the shared validateRequest itself).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  connect, op, cmp, InvalidArgumentError, KeelError, type KeelClient,
} from '../../src/client/index.js';
import { DEFAULT_LIMITS, makeLimits, requestBytesFor, validateRequest } from '../../src/codec/limits.js';
import { startNatsServer, type RunningNatsServer } from '../helpers/nats.js';
import { FakeHandler } from '../helpers/fake-handler.js';
import { startFakeNode, type FakeNode } from '../helpers/fake-node.js';

let nats: RunningNatsServer;
let node: FakeNode<FakeHandler>;
let client: KeelClient;
test.before(async () => {
  nats = await startNatsServer({ maxPayload: 64 * 1024 });
  node = await startFakeNode(nats.url, new FakeHandler('n1'));
  client = await connect({ servers: nats.url });
});
test.after(async () => {
  await client?.close();
  await node?.stop();
  await nats?.stop();
});

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.instance(err, KeelError, `expected ${code}, got ${String(err)}`);
  assert.is((err as KeelError).code, code);
  if (message) assert.match((err as Error).message, message);
}

test('oversized keys and values, empty keys and huge txns fail fast without a request', async () => {
  await rejects(client.put('k'.repeat(4097), 'v'), 'KeyTooLarge', /4097 bytes; the limit is 4096/);
  await rejects(client.put('', 'v'), 'InvalidArgument', /key must not be empty/);
  await rejects(client.get(''), 'InvalidArgument');
  await rejects(client.range({ from: 'b', to: 'a' }), 'InvalidArgument', /rangeEnd must sort after key/);
  await rejects(client.range({ key: 'a', prefix: 'b' }), 'InvalidArgument', /at most one/);
  const many = Array.from({ length: 129 }, (_, i) => op.put(`k${i}`, 'v'));
  await rejects(client.txn({ success: many }), 'TooManyOps', /129 operations/);
  assert.throws(() => cmp.value('a', '~' as '=', 'b'), /unknown compare operator "~"/);
  await rejects(client.lease.grant(-5), 'InvalidArgument', /ttlMs/);
  await rejects(client.compact(0), 'InvalidArgument', /compact revision/);
  assert.is(node.handler.seen.length, 0);
});

test('the request size limit follows the server max_payload', async () => {
  assert.is(client.limits.maxRequestBytes, requestBytesFor(64 * 1024));
  // A 700 KiB value is within maxValueBytes but not within this server's 64 KiB payload.
  await rejects(client.put('big', new Uint8Array(700 * 1024)), 'RequestTooLarge', /the limit is 57344/);
  assert.is(node.handler.seen.length, 0);
  await client.put('fits', new Uint8Array(50 * 1024));
  assert.is(node.handler.seen.length, 1);
});

test('a response too big for max_payload is answered with an error, not silence', async () => {
  await client.put('fits-too', new Uint8Array(50 * 1024));
  const started = Date.now();
  await rejects(client.range({ prefix: 'fits' }), 'RequestTooLarge', /response would be \d+ bytes, above the NATS max_payload of 65536; narrow the range or set a limit/);
  assert.ok(Date.now() - started < 1000, 'answered at once');
  assert.is((await client.range({ prefix: 'fits', limit: 1 })).kvs.length, 1);
});

test('validateRequest: valid requests pass; limits can be configured', () => {
  const limits = makeLimits({ maxKeyBytes: 8 });
  const key = new TextEncoder().encode('12345678');
  validateRequest({ requestId: { clientId: 'c', seq: 0 }, body: { type: 'put', key, value: key, lease: 0, prevKv: false } }, limits);
  validateRequest({ requestId: null, body: { type: 'range', key: Uint8Array.of(0), rangeEnd: Uint8Array.of(0), limit: 0, keysOnly: false, countOnly: false, serializable: false } }, limits);
  validateRequest({ requestId: null, body: { type: 'status' } }, limits);
  assert.throws(() => validateRequest({ requestId: { clientId: 'c', seq: 1 }, body: { type: 'put', key: new Uint8Array(9), value: key, lease: 0, prevKv: false } }, limits), (e: unknown) => (e as KeelError).code === 'KeyTooLarge');
  assert.throws(() => validateRequest({ requestId: { clientId: '', seq: 1 }, body: { type: 'compact', revision: 3 } }, limits), (e: unknown) => e instanceof InvalidArgumentError);
  assert.throws(() => makeLimits({ maxTxnOps: 0 }), /positive integer/);
  assert.is(DEFAULT_LIMITS.maxRequestBytes, 1024 * 1024 - 8 * 1024);
});

test.run();

// Every error code a caller can provoke through the public API, against a real cluster, caught with
// `instanceof` (test/codec/errors.test.ts rebuilds every code from its wire body, including those
// that cannot be provoked from outside: Unimplemented needs a request type the client cannot encode;
// NotLeader is retried inside the client; NoLeader, Unavailable and Internal need a broken cluster).
// Where the client checks a limit before sending, a second client with raised limits makes the
// server answer, so the error is the one rebuilt from the wire.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CancelledError, CompactedError, connect, FutureRevisionError, InvalidArgumentError, KeelError, KeyTooLargeError,
  LeaseNotFoundError, op, RequestTooLargeError, TimeoutError, TooManyOpsError, ValueTooLargeError, type KeelClient,
} from '../../src/client/index.js';
import { DEFAULT_LIMITS } from '../../src/codec/limits.js';
import { useCluster, type SharedCluster } from './helpers.js';

let shared: SharedCluster;
useCluster(test, {}, (s) => { shared = s; });

/** A client that checks nothing itself: every limit error comes from the server. */
async function uncheckedClient(): Promise<KeelClient> {
  return connect({
    servers: shared.cluster.nats.url,
    limits: { maxKeyBytes: 1 << 20, maxValueBytes: 1 << 21, maxTxnOps: 10_000, maxRequestBytes: 1 << 21 },
  });
}

async function rejection(p: Promise<unknown>): Promise<KeelError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, KeelError);
    return err as KeelError;
  }
  throw new Error('expected a rejection');
}

test('KeyTooLarge, ValueTooLarge, TooManyOps and RequestTooLarge come back typed from the server', async () => {
  const kv = await uncheckedClient();
  try {
    const key = await rejection(kv.put('k'.repeat(DEFAULT_LIMITS.maxKeyBytes + 1), 'v'));
    assert.instance(key, KeyTooLargeError);
    assert.match(key.message, /limit is 4096/);
    assert.instance(await rejection(kv.put('big', new Uint8Array(DEFAULT_LIMITS.maxValueBytes + 1))), ValueTooLargeError);
    const ops = Array.from({ length: DEFAULT_LIMITS.maxTxnOps + 1 }, (_, i) => op.put(`t${i}`, 'x'));
    assert.instance(await rejection(kv.txn().success(...ops).commit()), TooManyOpsError);
    // Two values each within the value limit, together above the server's request limit (NATS
    // max_payload less the headroom) yet below max_payload, so the request reaches the server.
    const half = new Uint8Array(Math.floor((DEFAULT_LIMITS.maxRequestBytes + 4096) / 2));
    const tooLarge = await rejection(kv.txn().success(op.put('r1', half), op.put('r2', half)).commit());
    assert.instance(tooLarge, RequestTooLargeError);
  } finally {
    await kv.close();
  }
});

test('the client raises the same classes before sending', async () => {
  const kv = shared.client;
  assert.instance(await rejection(kv.put('k'.repeat(DEFAULT_LIMITS.maxKeyBytes + 1), 'v')), KeyTooLargeError);
  assert.instance(await rejection(kv.put('', 'v')), InvalidArgumentError);
});

test('LeaseNotFound for a lease that does not exist', async () => {
  assert.instance(await rejection(shared.client.lease.keepAliveOnce(987_654_321)), LeaseNotFoundError);
  assert.instance(await rejection(shared.client.lease.revoke(987_654_321)), LeaseNotFoundError);
});

test('Compacted carries the compact revision; FutureRevision the current revision', async () => {
  const kv = shared.client;
  await kv.put('/errors/a', '1');
  const { header } = await kv.put('/errors/a', '2');
  await kv.compact(header.revision);
  const compacted = await rejection(kv.compact(header.revision - 1));
  assert.instance(compacted, CompactedError);
  assert.is(compacted.revision, header.revision);
  const future = await rejection(kv.compact(header.revision + 1_000_000));
  assert.instance(future, FutureRevisionError);
  assert.ok(future.revision >= header.revision && future.revision < header.revision + 1_000_000, `current revision ${future.revision}`);
});

test('Timeout when nothing answers within the deadline; Cancelled after close', async () => {
  const kv = await connect({ servers: shared.cluster.nats.url, cluster: 'nobody-serves-this', deadlineMs: 600, timeoutMs: 200 });
  try {
    assert.instance(await rejection(kv.get('a')), TimeoutError);
  } finally {
    await kv.close();
  }
  const closed = await connect({ servers: shared.cluster.nats.url });
  await closed.close();
  assert.instance(await rejection(closed.get('a')), CancelledError);
});

test.run();

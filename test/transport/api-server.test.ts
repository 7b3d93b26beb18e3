// The ApiServer seen from a bare NATS connection: malformed, oversized and invalid requests get typed
// error responses; handler failures are answered; leadership moves the leader subscription.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type NatsConnection } from 'nats';
import { decodeResponse, encodeRequest } from '../../src/codec/index.js';
import { LeaseNotFoundError } from '../../src/codec/errors.js';
import type { ApiRequest, ApiResponse } from '../../src/codec/types.js';
import { startNatsServer, type RunningNatsServer } from '../helpers/nats.js';
import { FakeHandler, ThrowingHandler } from '../helpers/fake-handler.js';
import { startFakeNode } from '../helpers/fake-node.js';
import { decodeBatch, encodeBatch, isBatch } from '../../src/codec/request-batch.js';

let nats: RunningNatsServer;
let raw: NatsConnection;
test.before(async () => {
  nats = await startNatsServer();
  raw = await connect({ servers: nats.url });
});
test.after(async () => {
  await raw?.close();
  await nats?.stop();
});

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const putReq = (key: Uint8Array, value: Uint8Array, requestId: ApiRequest['requestId'] = { clientId: 'c', seq: 1 }): ApiRequest => ({
  requestId, body: { type: 'put', key, value, lease: 0, prevKv: false },
});

async function ask(subject: string, data: Uint8Array): Promise<ApiResponse> {
  const msg = await raw.request(subject, data, { timeout: 2000 });
  return decodeResponse(msg.data);
}

function assertError(res: ApiResponse, code: string, message?: RegExp): void {
  assert.is(res.body, null);
  assert.ok(res.error, `expected a ${code} error, got a body`);
  assert.is(res.error.code, code, res.error.message);
  if (message) assert.match(res.error.message, message);
  assert.is(res.header.revision, 0);
  assert.is(res.header.nodeId, 'n1');
  assert.is(res.header.term, 3);
}

test('malformed bytes get InvalidArgument with a reason, and the server keeps serving', async () => {
  const node = await startFakeNode(nats.url, new FakeHandler('n1'));
  try {
    assertError(await ask('keel.default.leader.put', Uint8Array.of(0xff, 0xff, 0xff, 0x01)), 'InvalidArgument', /malformed request/);
    assertError(await ask('keel.default.api.range', new Uint8Array(0)), 'InvalidArgument', /malformed request/);
    const ok = await ask('keel.default.leader.put', encodeRequest(putReq(bytes('a'), bytes('1'))));
    assert.is(ok.error, null);
    assert.is(ok.body?.type, 'put');
    assert.is(node.handler.seen.length, 1, 'only the valid request reached the handler');
  } finally {
    await node.stop();
  }
});

test('the observer is told of every answered request: its operation, seconds and error code', async () => {
  const served: [string | null, number, string | null][] = [];
  const node = await startFakeNode(nats.url, new FakeHandler('n1'), { observer: { served: (...a) => served.push(a) } });
  try {
    await ask('keel.default.leader.put', encodeRequest(putReq(bytes('a'), bytes('1'))));
    await ask('keel.default.api.range', Uint8Array.of(0xff));
    await ask('keel.default.node.n1.nosuchop', new Uint8Array(0));
    assert.equal(served.map(([op, , code]) => [op, code]), [['put', null], ['range', 'InvalidArgument'], ['nosuchop', 'InvalidArgument']]);
    assert.ok(served.every(([, seconds]) => seconds >= 0 && seconds < 2), JSON.stringify(served));
  } finally {
    await node.stop();
  }
});

test('afterReply runs right after each reply is published (once for a batch), errors included', async () => {
  let calls = 0;
  let publishedBefore = 0;
  let node: Awaited<ReturnType<typeof startFakeNode>> | undefined;
  node = await startFakeNode(nats.url, new FakeHandler('n1'), {
    afterReply: () => {
      calls++;
      // The reply is already in the connection's outbound when the hook runs.
      publishedBefore = node!.nc.stats().outMsgs;
    },
  });
  try {
    const before = node.nc.stats().outMsgs;
    await ask('keel.default.leader.put', encodeRequest(putReq(bytes('a'), bytes('1'))));
    assert.is(calls, 1);
    assert.is(publishedBefore, before + 1);
    await ask('keel.default.api.range', Uint8Array.of(0xff));
    assert.is(calls, 2);
    await askBatch('keel.default.leader.put.batch', [1, 2, 3].map((seq) => encodeRequest(putReq(bytes('k'), bytes('v'), { clientId: 'c', seq }))));
    assert.is(calls, 3);
  } finally {
    await node.stop();
  }
});

test('a request larger than maxRequestBytes gets RequestTooLarge', async () => {
  const node = await startFakeNode(nats.url, new FakeHandler('n1'), { limits: { maxRequestBytes: 1000 } });
  try {
    const res = await ask('keel.default.leader.put', encodeRequest(putReq(bytes('a'), new Uint8Array(2000))));
    assertError(res, 'RequestTooLarge', /limit is 1000/);
    assert.is(node.handler.seen.length, 0);
  } finally {
    await node.stop();
  }
});

test('limits are enforced server-side: key, value, txn ops, empty key, missing requestId, bad ttl', async () => {
  const node = await startFakeNode(nats.url, new FakeHandler('n1'));
  try {
    assertError(await ask('keel.default.leader.put', encodeRequest(putReq(new Uint8Array(4097), bytes('v')))), 'KeyTooLarge', /4097 bytes; the limit is 4096/);
    assertError(await ask('keel.default.leader.put', encodeRequest(putReq(bytes('k'), new Uint8Array(768 * 1024 + 1)))), 'ValueTooLarge');
    assertError(await ask('keel.default.leader.put', encodeRequest(putReq(new Uint8Array(0), bytes('v')))), 'InvalidArgument', /key must not be empty/);
    assertError(await ask('keel.default.leader.put', encodeRequest(putReq(bytes('k'), bytes('v'), null))), 'InvalidArgument', /requestId/);
    const ops = Array.from({ length: 129 }, (_, i) => ({ type: 'put' as const, key: bytes(`k${i}`), value: bytes('v'), lease: 0, prevKv: false }));
    const txn: ApiRequest = { requestId: { clientId: 'c', seq: 2 }, body: { type: 'txn', compare: [], success: ops, failure: [] } };
    assertError(await ask('keel.default.leader.txn', encodeRequest(txn)), 'TooManyOps', /129 operations; the limit is 128/);
    const grant: ApiRequest = { requestId: { clientId: 'c', seq: 3 }, body: { type: 'leaseGrant', id: 0, ttlMs: 0 } };
    assertError(await ask('keel.default.leader.leaseGrant', encodeRequest(grant)), 'InvalidArgument', /ttlMs/);
    assert.is(node.handler.seen.length, 0);
  } finally {
    await node.stop();
  }
});

test('the body type must match the subject, and the subject must serve that type', async () => {
  const node = await startFakeNode(nats.url, new FakeHandler('n1'));
  try {
    const put = encodeRequest(putReq(bytes('a'), bytes('1')));
    assertError(await ask('keel.default.leader.deleteRange', put), 'InvalidArgument', /a put request was sent to keel.default.leader.deleteRange/);
    assertError(await ask('keel.default.api.put', put), 'InvalidArgument', /names no operation served there/);
    assertError(await ask('keel.default.node.n1.put', put), 'InvalidArgument', /names no operation served there/);
    const status = await ask('keel.default.node.n1.status', encodeRequest({ requestId: null, body: { type: 'status' } }));
    assert.is(status.body?.type, 'status');
  } finally {
    await node.stop();
  }
});

test('a handler that throws a KeelError answers with it; anything else answers Internal', async () => {
  const typed = await startFakeNode(nats.url, new ThrowingHandler(new LeaseNotFoundError(42)));
  try {
    const req = encodeRequest({ requestId: null, body: { type: 'leaseKeepAlive', id: 42 } });
    assertError(await ask('keel.default.leader.leaseKeepAlive', req), 'LeaseNotFound', /lease 42 not found/);
  } finally {
    await typed.stop();
  }
  const broken = await startFakeNode(nats.url, new ThrowingHandler(new TypeError('x is undefined')));
  try {
    const res = await ask('keel.default.api.status', encodeRequest({ requestId: null, body: { type: 'status' } }));
    assertError(res, 'Internal', /x is undefined/);
  } finally {
    await broken.stop();
  }
});

test('setLeader moves the leader subscription; stop() waits for requests in flight', async () => {
  const handler = new FakeHandler('n1');
  const node = await startFakeNode(nats.url, handler, { leader: false });
  try {
    const put = encodeRequest(putReq(bytes('a'), bytes('1')));
    const before = await raw.request('keel.default.leader.put', put, { timeout: 500 }).then(() => 'answered', (e: { code?: string }) => e.code);
    assert.is(before, '503');
    node.server.setLeader(true);
    await node.nc.flush();
    assert.is((await ask('keel.default.leader.put', put)).body?.type, 'put');
    node.server.setLeader(false);
    await node.nc.flush();
    const after = await raw.request('keel.default.leader.put', put, { timeout: 500 }).then(() => 'answered', (e: { code?: string }) => e.code);
    assert.is(after, '503');

    handler.delayMs = 200;
    const slow = ask('keel.default.api.status', encodeRequest({ requestId: null, body: { type: 'status' } }));
    await new Promise((r) => setTimeout(r, 50));
    assert.is(node.server.inFlight, 1);
    await node.server.stop();
    assert.is(node.server.inFlight, 0);
    assert.is((await slow).body?.type, 'status', 'the request taken before stop() is still answered');
  } finally {
    await node.stop();
  }
});

const rangeReq = (key: string): Uint8Array => encodeRequest({
  requestId: null,
  body: { type: 'range', key: bytes(key), rangeEnd: new Uint8Array(0), limit: 0, revision: 0, serializable: true, keysOnly: false, countOnly: false },
});

async function askBatch(subject: string, items: Uint8Array[]): Promise<(ApiResponse | null)[]> {
  const msg = await raw.request(subject, encodeBatch(items), { timeout: 2000 });
  assert.ok(isBatch(msg.data), 'a batch is answered with a batch');
  return decodeBatch(msg.data).map((a) => (a.length === 0 ? null : decodeResponse(a)));
}

test('a batch is served request by request, each answered in its place (errors included) and observed', async () => {
  const served: (string | null)[] = [];
  const node = await startFakeNode(nats.url, new FakeHandler('n1'), { observer: { served: (op, _s, code) => served.push(code) } });
  try {
    const answers = await askBatch('keel.default.leader.put.batch', [
      encodeRequest(putReq(bytes('a'), bytes('1'), { clientId: 'c', seq: 1 })),
      encodeRequest(putReq(new Uint8Array(0), bytes('2'), { clientId: 'c', seq: 2 })),
      encodeRequest({ requestId: null, body: { type: 'status' } }),
      encodeRequest(putReq(bytes('b'), bytes('3'), { clientId: 'c', seq: 3 })),
    ]);
    assert.is(answers.length, 4);
    assert.is(answers[0]!.body?.type, 'put');
    assertError(answers[1]!, 'InvalidArgument', /key/);
    assertError(answers[2]!, 'InvalidArgument', /a status request was sent to keel.default.leader.put.batch/);
    assert.is(answers[3]!.body?.type, 'put');
    assert.equal(node.handler.seen.map(({ req }) => req.body.type), ['put', 'put']);
    assert.equal(served.sort(), ['InvalidArgument', 'InvalidArgument', null, null]);
    const reads = await askBatch('keel.default.api.range.batch', [rangeReq('a'), rangeReq('b'), rangeReq('zz')]);
    assert.equal(reads.map((r) => r!.body?.type === 'range' ? r!.body.kvs.length : -1), [1, 1, 0]);
  } finally {
    await node.stop();
  }
});

test('a malformed batch, or one of a type that does not batch, gets one InvalidArgument and reaches no handler', async () => {
  const node = await startFakeNode(nats.url, new FakeHandler('n1'));
  try {
    assertError(await ask('keel.default.leader.put.batch', Uint8Array.of(1, 2, 3)), 'InvalidArgument', /malformed request batch: not a request batch/);
    const tooMany = encodeBatch(Array.from({ length: 129 }, () => rangeReq('a')));
    assertError(await ask('keel.default.api.range.batch', tooMany), 'InvalidArgument', /1 to 128 items, not 129/);
    const status = encodeRequest({ requestId: null, body: { type: 'status' } });
    assertError(await ask('keel.default.api.status.batch', encodeBatch([status, status])), 'InvalidArgument', /no operation served in batches/);
    assertError(await ask('keel.default.api.put.batch', encodeBatch([encodeRequest(putReq(bytes('a'), bytes('1')))])), 'InvalidArgument', /no operation served in batches/);
    assert.is(node.handler.seen.length, 0);
    assert.is(node.server.inFlight, 0);
  } finally {
    await node.stop();
  }
});

test('answers that together would pass max_payload: the largest are left out (empty) for the client to ask alone', async () => {
  const small = await startNatsServer({ maxPayload: 64 * 1024 });
  const nc = await connect({ servers: small.url });
  const node = await startFakeNode(small.url, new FakeHandler('n1'));
  try {
    for (const [i, key] of ['big1', 'big2'].entries()) {
      await nc.request('keel.default.leader.put', encodeRequest(putReq(bytes(key), new Uint8Array(40_000), { clientId: 'c', seq: i + 1 })), { timeout: 2000 });
    }
    const msg = await nc.request('keel.default.api.range.batch', encodeBatch([rangeReq('big1'), rangeReq('nope'), rangeReq('big2')]), { timeout: 2000 });
    const answers = decodeBatch(msg.data);
    assert.ok(msg.data.length <= 64 * 1024);
    assert.is(answers.filter((a) => a.length === 0).length, 1, 'one big answer left out');
    assert.ok(answers[1]!.length > 0, 'the small answer is kept');
    assert.is(decodeResponse(answers[1]!).body?.type, 'range');
  } finally {
    await node.stop();
    await nc.close();
    await small.stop();
  }
});

test.run();

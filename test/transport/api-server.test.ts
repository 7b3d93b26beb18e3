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

test.run();

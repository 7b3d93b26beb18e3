// Retries: no leader yet, leader changes, request timeouts, the deadline, and the write bound.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, KeelError, MAX_WRITES_IN_FLIGHT, TimeoutError, CancelledError } from '../../src/client/index.js';
import { backoffDelay, BACKOFF_CAP_MS } from '../../src/client/retry.js';
import { WriteGate } from '../../src/client/write-gate.js';
import type { ApiRequest, ApiResponse } from '../../src/codec/types.js';
import type { ApiRequestContext } from '../../src/transport/api-server.js';
import { startNatsServer, type RunningNatsServer } from '../helpers/nats.js';
import { FakeHandler } from '../helpers/fake-handler.js';
import { startFakeNode } from '../helpers/fake-node.js';

let nats: RunningNatsServer;
test.before(async () => { nats = await startNatsServer(); });
test.after(async () => { await nats?.stop(); });

test('a write with no leader retries on "no responders" until a leader appears', async () => {
  const client = await connect({ servers: nats.url, deadlineMs: 5000 });
  const handler = new FakeHandler('n1');
  const follower = await startFakeNode(nats.url, handler, { leader: false });
  try {
    const started = Date.now();
    const pending = client.put('k', 'v');
    await new Promise((r) => setTimeout(r, 300));
    assert.is(handler.seen.length, 0, 'nobody serves writes before there is a leader');
    follower.server.setLeader(true);
    const put = await pending;
    assert.ok(Date.now() - started >= 300);
    assert.is(put.header.nodeId, 'n1');
    assert.is(handler.seen.length, 1);
    assert.is(handler.seen[0].ctx.scope, 'leader');
  } finally {
    await client.close();
    await follower.stop();
  }
});

test('NotLeader, NoLeader and Unavailable answers are retried with the same requestId', async () => {
  const handler = new FakeHandler('n1');
  handler.failNext.push(
    { code: 'NotLeader', message: 'stepped down', revision: 0 },
    { code: 'NoLeader', message: 'election', revision: 0 },
    { code: 'Unavailable', message: 'catching up', revision: 0 },
  );
  const node = await startFakeNode(nats.url, handler);
  const client = await connect({ servers: nats.url, deadlineMs: 5000 });
  try {
    await client.put('k', 'v');
    assert.is(handler.seen.length, 4);
    const ids = handler.seen.map((s) => JSON.stringify(s.req.requestId));
    assert.is(new Set(ids).size, 1, `one requestId across retries, got ${ids.join(' ')}`);
    await client.put('k2', 'v');
    assert.is(handler.seen[4].req.requestId!.seq, handler.seen[0].req.requestId!.seq + 1);
  } finally {
    await client.close();
    await node.stop();
  }
});

test('attempts that time out are retried with the same requestId, then the deadline gives TimeoutError', async () => {
  const handler = new FakeHandler('n1');
  handler.delayMs = 400;
  const node = await startFakeNode(nats.url, handler);
  const client = await connect({ servers: nats.url, timeoutMs: 100, deadlineMs: 450 });
  try {
    const started = Date.now();
    const err = await client.put('slow', 'v').then(() => null, (e: unknown) => e);
    const took = Date.now() - started;
    assert.instance(err, TimeoutError);
    assert.match((err as Error).message, /within 450 ms.*no answer in time/);
    assert.ok(took >= 450 && took < 1500, `took ${took} ms`);
    assert.ok(handler.seen.length >= 2, `retried (${handler.seen.length} attempts)`);
    assert.is(new Set(handler.seen.map((s) => s.req.requestId!.seq)).size, 1);
  } finally {
    await client.close();
    await node.stop();
  }
});

test('no node at all: TimeoutError at the deadline naming the cause', async () => {
  const client = await connect({ servers: nats.url, deadlineMs: 300 });
  try {
    const started = Date.now();
    const err = await client.get('k').then(() => null, (e: unknown) => e);
    assert.instance(err, TimeoutError);
    assert.is((err as KeelError).code, 'Timeout');
    assert.match((err as Error).message, /no responders/);
    assert.ok(Date.now() - started < 1000);
  } finally {
    await client.close();
  }
});

test('a non-retryable error answer is thrown at once as its typed error', async () => {
  const handler = new FakeHandler('n1');
  handler.failNext.push({ code: 'Compacted', message: 'revision 3 has been compacted', revision: 7 });
  const node = await startFakeNode(nats.url, handler);
  const client = await connect({ servers: nats.url });
  try {
    const err = await client.range({ prefix: 'a' }).then(() => null, (e: unknown) => e);
    assert.instance(err, KeelError);
    assert.is((err as KeelError).code, 'Compacted');
    assert.is((err as KeelError).revision, 7);
    assert.is(handler.seen.length, 1);
  } finally {
    await client.close();
    await node.stop();
  }
});

test('closing the client while it waits to retry fails the call with CancelledError', async () => {
  const client = await connect({ servers: nats.url, deadlineMs: 10_000 });
  const pending = client.put('k', 'v').then(() => null, (e: unknown) => e);
  await new Promise((r) => setTimeout(r, 100));
  await client.close();
  assert.instance(await pending, CancelledError);
});

/** Holds every request until released, counting how many it holds at most. */
class GatedHandler extends FakeHandler {
  held = 0;
  maxHeld = 0;
  private releases: (() => void)[] = [];
  override async handle(req: ApiRequest, ctx: ApiRequestContext): Promise<ApiResponse> {
    this.held++;
    this.maxHeld = Math.max(this.maxHeld, this.held);
    await new Promise<void>((r) => this.releases.push(r));
    this.held--;
    return super.handle(req, ctx);
  }
  release(): void {
    this.releases.splice(0).forEach((r) => r());
  }
}

test(`at most ${MAX_WRITES_IN_FLIGHT} writes in flight per client; the rest queue`, async () => {
  const handler = new GatedHandler('n1');
  const node = await startFakeNode(nats.url, handler);
  const client = await connect({ servers: nats.url, timeoutMs: 10_000 });
  try {
    const total = MAX_WRITES_IN_FLIGHT + 50;
    const puts = Array.from({ length: total }, (_, i) => client.put(`w${i}`, 'v'));
    const until = Date.now() + 5000;
    while (handler.held < MAX_WRITES_IN_FLIGHT && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50));
    assert.is(handler.held, MAX_WRITES_IN_FLIGHT);
    assert.is(client.writesInFlight, MAX_WRITES_IN_FLIGHT);
    while (handler.seen.length < total && Date.now() < until) {
      handler.release();
      await new Promise((r) => setTimeout(r, 10));
    }
    handler.release();
    await Promise.all(puts);
    assert.is(handler.maxHeld, MAX_WRITES_IN_FLIGHT);
    const seqs = handler.seen.map((s) => s.req.requestId!.seq);
    assert.is(new Set(seqs).size, total, 'every write has its own seq');
  } finally {
    handler.release();
    await client.close();
    await node.stop();
  }
});

test('backoff: full jitter below min(1 s, 25 ms * 2^attempt)', () => {
  assert.is(backoffDelay(0, () => 0.999), 24);
  assert.is(backoffDelay(3, () => 0.5), 100);
  assert.is(backoffDelay(20, () => 0.999), BACKOFF_CAP_MS - 1);
  assert.is(backoffDelay(5, () => 0), 0);
});

test('WriteGate numbers writes 1, 2, 3... and runs at most `limit` at once', async () => {
  const gate = new WriteGate(2);
  const started: number[] = [];
  let running = 0;
  let peak = 0;
  await Promise.all([1, 2, 3, 4, 5].map(() => gate.run(async (seq) => {
    running++;
    peak = Math.max(peak, running);
    started.push(seq);
    await new Promise((r) => setTimeout(r, 5));
    running--;
  })));
  assert.is(peak, 2);
  assert.equal(started, [1, 2, 3, 4, 5]);
  assert.is(gate.inFlight, 0);
});

test('WriteGate: a slow write holds back writes `limit` seqs after it, even when others finish', async () => {
  const gate = new WriteGate(3);
  const started: number[] = [];
  let releaseFirst = (): void => undefined;
  const first = gate.run((seq) => {
    started.push(seq);
    return new Promise<void>((r) => { releaseFirst = r; });
  });
  const quick = [2, 3, 4, 5].map(() => gate.run(async (seq) => { started.push(seq); }));
  await Promise.all(quick.slice(0, 2));
  await new Promise((r) => setTimeout(r, 10));
  // Seqs 2 and 3 ran and finished; 4 and 5 would be 3+ seqs past the unfinished seq 1.
  assert.equal(started, [1, 2, 3]);
  assert.is(gate.queued, 2);
  releaseFirst();
  await Promise.all([first, ...quick]);
  assert.equal(started, [1, 2, 3, 4, 5]);
});

test.run();

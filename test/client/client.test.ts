// The client library against a real nats-server and a real ApiServer in front of a fake handler.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, cmp, op, KeelError, type KeelClient } from '../../src/client/index.js';
import { startNatsServer, type RunningNatsServer } from '../helpers/nats.js';
import { FakeHandler } from '../helpers/fake-handler.js';
import { startFakeNode, type FakeNode } from '../helpers/fake-node.js';

const ctx = { nats: null as unknown as RunningNatsServer, node: null as unknown as FakeNode<FakeHandler>, client: null as unknown as KeelClient };
const it = suite('client round trips', ctx);

it.before(async () => {
  ctx.nats = await startNatsServer();
  ctx.node = await startFakeNode(ctx.nats.url, new FakeHandler('n1'));
  ctx.client = await connect({ servers: ctx.nats.url, deadlineMs: 3000 });
});
it.after(async () => {
  await ctx.client?.close();
  await ctx.node?.stop();
  await ctx.nats?.stop();
});

it('put then get returns the value with bytes, string getters and the header', async () => {
  const put = await ctx.client.put('greeting', 'hello');
  assert.is(put.header.nodeId, 'n1');
  assert.is(put.header.term, 3);
  assert.ok(put.header.revision >= 1);
  assert.is(put.prevKv, null);
  const kv = await ctx.client.get('greeting');
  assert.ok(kv);
  assert.is(kv.keyString, 'greeting');
  assert.is(kv.valueString, 'hello');
  assert.instance(kv.value, Uint8Array);
  assert.is(kv.version, 1);
  assert.is(kv.header.revision, put.header.revision);
  assert.is(await ctx.client.get('missing'), null);
});

it('put with prevKv returns the previous key-value; binary keys and values round-trip', async () => {
  const key = Uint8Array.of(0, 1, 255);
  await ctx.client.put(key, Uint8Array.of(9));
  const second = await ctx.client.put(key, Uint8Array.of(10, 11), { prevKv: true });
  assert.equal([...second.prevKv!.value], [9]);
  const kv = await ctx.client.get(key);
  assert.equal([...kv!.key], [0, 1, 255]);
  assert.equal([...kv!.value], [10, 11]);
  assert.is(kv!.version, 2);
});

it('range by prefix, from/to, limit, keysOnly, countOnly; serializable is sent as asked', async () => {
  for (const k of ['app/a', 'app/b', 'app/c', 'apq']) await ctx.client.put(k, `v-${k}`);
  const byPrefix = await ctx.client.range({ prefix: 'app/' });
  assert.equal(byPrefix.kvs.map((kv) => kv.keyString), ['app/a', 'app/b', 'app/c']);
  assert.is(byPrefix.count, 3);
  const between = await ctx.client.range({ from: 'app/b', to: 'apq' });
  assert.equal(between.kvs.map((kv) => kv.keyString), ['app/b', 'app/c']);
  const limited = await ctx.client.range({ prefix: 'app/', limit: 2, keysOnly: true });
  assert.equal(limited.kvs.map((kv) => kv.keyString), ['app/a', 'app/b']);
  assert.is(limited.kvs[0].value.length, 0);
  assert.ok(limited.more);
  const counted = await ctx.client.range({ prefix: 'app/', countOnly: true, serializable: true });
  assert.is(counted.kvs.length, 0);
  assert.is(counted.count, 3);
  const last = ctx.node.handler.seen.at(-1)!;
  assert.is(last.ctx.scope, 'api');
  const onNode = await ctx.client.range({ prefix: 'app/', nodeId: 'n1' });
  assert.is(onNode.count, 3);
  assert.is(ctx.node.handler.seen.at(-1)!.ctx.scope, 'node');
  assert.is((await ctx.client.get('app/a', { nodeId: 'n1' }))?.valueString, 'v-app/a');
  assert.is(ctx.node.handler.seen.at(-1)!.ctx.scope, 'node');
  assert.ok(last.req.body.type === 'range' && last.req.body.serializable);
  assert.is(last.req.requestId, null);
});

it('a linearizable get or range goes to the leader by default, to any node with linearizableReads: anyNode', async () => {
  await ctx.client.put('lr/a', '1');
  const scopeOfLast = (): string => ctx.node.handler.seen.at(-1)!.ctx.scope;
  assert.is((await ctx.client.get('lr/a'))?.valueString, '1');
  assert.is(scopeOfLast(), 'leader');
  assert.is((await ctx.client.range({ prefix: 'lr/' })).count, 1);
  assert.is(scopeOfLast(), 'leader');
  await ctx.client.get('lr/a', { serializable: true });
  assert.is(scopeOfLast(), 'api');
  const spread = await connect({ servers: ctx.nats.url, deadlineMs: 3000, linearizableReads: 'anyNode' });
  try {
    assert.is((await spread.get('lr/a'))?.valueString, '1');
    assert.is(scopeOfLast(), 'api');
  } finally {
    await spread.close();
  }
  const bad = await connect({ servers: ctx.nats.url, linearizableReads: 'nearest' as 'leader' }).then(() => null, (e: unknown) => e);
  assert.ok(bad instanceof KeelError && bad.code === 'InvalidArgument', String(bad));
});

it('concurrent puts and gets share messages (batchRequests, default on); with it off each goes alone', async () => {
  const messagesFor = async (client: KeelClient): Promise<number> => {
    const before = ctx.node.nc.stats().inMsgs;
    const puts = await Promise.all(Array.from({ length: 20 }, (_, i) => client.put(`bt/${i}`, `v${i}`)));
    const gets = await Promise.all(Array.from({ length: 20 }, (_, i) => client.get(`bt/${i}`, { serializable: true })));
    assert.is(puts.length, 20);
    assert.equal(gets.map((kv) => kv?.valueString), Array.from({ length: 20 }, (_, i) => `v${i}`));
    return ctx.node.nc.stats().inMsgs - before;
  };
  const batchesBefore = ctx.client.requestBatchesSent;
  assert.ok(await messagesFor(ctx.client) <= 4, 'two batches (and little else)');
  assert.is(ctx.client.requestBatchesSent - batchesBefore, 2);
  const alone = await connect({ servers: ctx.nats.url, deadlineMs: 3000, batchRequests: false });
  try {
    assert.ok(await messagesFor(alone) >= 40, 'one message per request');
    assert.is(alone.requestBatchesSent, 0);
  } finally {
    await alone.close();
  }
  const bad = await connect({ servers: ctx.nats.url, batchRequests: 'yes' as unknown as boolean }).then(() => null, (e: unknown) => e);
  assert.ok(bad instanceof KeelError && bad.code === 'InvalidArgument', String(bad));
});

it('delete a key, a prefix, a range, with prevKv', async () => {
  await ctx.client.put('d/1', 'a');
  await ctx.client.put('d/2', 'b');
  await ctx.client.put('d/3', 'c');
  const one = await ctx.client.delete('d/1', { prevKv: true });
  assert.is(one.deleted, 1);
  assert.is(one.prevKvs[0].valueString, 'a');
  const ranged = await ctx.client.delete({ from: 'd/2', to: 'd/3' });
  assert.is(ranged.deleted, 1);
  const prefixed = await ctx.client.delete({ prefix: 'd/' });
  assert.is(prefixed.deleted, 1);
  assert.is((await ctx.client.range({ prefix: 'd/' })).count, 0);
});

it('txn: builder and object form, both branches', async () => {
  const created = await ctx.client.txn()
    .compare(cmp.version('lock', '=', 0))
    .success(op.put('lock', 'me'))
    .failure(op.get('lock'))
    .commit();
  assert.ok(created.succeeded);
  assert.is(created.responses[0].type, 'put');
  const again = await ctx.client.txn({
    compare: [cmp.version('lock', '=', 0)],
    success: [op.put('lock', 'other')],
    failure: [op.get('lock')],
  });
  assert.not.ok(again.succeeded);
  const item = again.responses[0];
  assert.ok(item.type === 'range' && item.kvs[0].valueString === 'me');
  assert.ok(again.header.revision >= created.header.revision);
});

it('leases: grant, attach, time-to-live with keys, list, keep-alive, revoke', async () => {
  const lease = await ctx.client.lease.grant(5000);
  assert.ok(lease.id > 0);
  assert.is(lease.ttlMs, 5000);
  await ctx.client.put('leased', 'x', { lease: lease.id });
  const ttl = await ctx.client.lease.timeToLive(lease.id, { keys: true });
  assert.equal(ttl.keys.map((k) => Buffer.from(k).toString()), ['leased']);
  assert.ok((await ctx.client.lease.list()).ids.includes(lease.id));
  assert.is((await ctx.client.lease.keepAliveOnce(lease.id)).ttlMs, 5000);
  await ctx.client.lease.revoke(lease.id);
  assert.is(await ctx.client.get('leased'), null);
  try {
    await ctx.client.lease.keepAliveOnce(lease.id);
    assert.unreachable('keep-alive of a revoked lease must fail');
  } catch (err) {
    assert.instance(err, KeelError);
    assert.is((err as KeelError).code, 'LeaseNotFound');
  }
});

it('every write carries (clientId, seq) with seq increasing; reads carry none', async () => {
  const before = ctx.node.handler.seen.length;
  await ctx.client.put('s1', '1');
  await ctx.client.delete('s1');
  await ctx.client.compact(1);
  await ctx.client.get('s1');
  const ids = ctx.node.handler.seen.slice(before).map((s) => s.req.requestId);
  assert.is(ids[0]!.clientId, ctx.client.clientId);
  assert.ok(ids[1]!.seq === ids[0]!.seq + 1 && ids[2]!.seq === ids[1]!.seq + 1);
  assert.is(ids[3], null);
  assert.is(ctx.node.handler.seen.slice(before)[0].ctx.scope, 'leader');
});

it('status, members and clusterStatus', async () => {
  const status = await ctx.client.status();
  assert.is(status.nodeId, 'n1');
  assert.is(status.role, 'leader');
  assert.is(status.pid, process.pid);
  const direct = await ctx.client.status({ nodeId: 'n1' });
  assert.is(ctx.node.handler.seen.at(-1)!.ctx.scope, 'node');
  assert.is(direct.nodeId, 'n1');
  const members = await ctx.client.members();
  assert.equal(members.members, [{ id: 'n1', role: 'voter' }]);
  assert.is(members.leader, 'n1');
});

it.run();

// ---------------------------------------------------------------- a cluster with a dead member

const three = suite('clusterStatus with a member that does not answer');
three('reports the silent member as unreachable and the others with their status', async () => {
  const nats = await startNatsServer();
  const members = [{ id: 'n1', role: 'voter' as const }, { id: 'n2', role: 'voter' as const }, { id: 'n3', role: 'voter' as const }];
  const n1 = await startFakeNode(nats.url, new FakeHandler('n1', members, 'n1'));
  const n2 = await startFakeNode(nats.url, new FakeHandler('n2', members, 'n1'), { leader: false });
  const client = await connect({ servers: nats.url, timeoutMs: 300 });
  try {
    const started = Date.now();
    const cs = await client.clusterStatus();
    assert.is(cs.leader, 'n1');
    assert.equal(cs.members.map((m) => [m.id, m.status?.role ?? null]), [['n1', 'leader'], ['n2', 'follower'], ['n3', null]]);
    assert.match(cs.members[2].error!, /no answer|no responders/);
    assert.ok(Date.now() - started < 2000, 'a dead member costs at most about one attempt timeout');
  } finally {
    await client.close();
    await n1.stop();
    await n2.stop();
    await nats.stop();
  }
});
three.run();

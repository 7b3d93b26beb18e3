// The broker registry against a real three-node cluster: register/list/update/unregister, a broker
// that stops heartbeating disappears within its TTL plus one second and watchNodes reports it, and
// `keel brokers list|watch`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AlreadyRegisteredError, FencedError, fenceGuards, op, type KeelClient, type NodeChange } from '../../src/client/index.js';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { CLI_MAIN, runCli, spawnTs } from '../helpers/processes.js';
import { useCluster, waitFor } from './helpers.js';

const test = suite('integration: broker registry');
let cluster: LocalCluster;
let client: KeelClient;
useCluster(test, { logLevel: 'warn', nodeArgs: ['--election-tick-ms', '20'] }, (shared) => ({ cluster, client } = shared));

async function next(changes: AsyncIterator<NodeChange>, timeoutMs = 5000): Promise<NodeChange> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no change within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const r = await Promise.race([changes.next(), timeout]);
    if (r.done) throw new Error('watchNodes ended');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

test('register, list, update and close; watchNodes sees join, update and leave', async () => {
  const changes = client.watchNodes();
  await changes.ready;
  const reg = await client.registerNode({ id: 'b1', address: '10.0.0.1:9092', role: 'broker', metadata: { rack: 'r1' } }, { ttlMs: 5000 });
  const listed = await client.listNodes();
  assert.equal(listed.map((b) => [b.id, b.address, b.role, b.metadata]), [['b1', '10.0.0.1:9092', 'broker', { rack: 'r1' }]]);
  assert.is(listed[0]!.leaseId, reg.leaseId);
  await reg.heartbeat();
  await reg.update({ address: '10.0.0.1:9093' });
  await reg.close();
  const seen = [await next(changes), await next(changes), await next(changes)];
  assert.equal(seen.map((c) => `${c.type} ${c.id} ${c.broker?.address ?? ''}`), [
    'join b1 10.0.0.1:9092', 'update b1 10.0.0.1:9093', 'leave b1 ',
  ]);
  assert.equal(await client.listNodes(), []);
  await changes.cancel();
});

test('epochs: a live id cannot register twice; replace bumps the epoch and fences the old registration', async () => {
  const first = await client.registerNode({ id: 'ep1', address: 'a:1', role: 'broker' }, { ttlMs: 10_000 });
  assert.ok(first.epoch > 0);
  try {
    await client.registerNode({ id: 'ep1', address: 'a:2', role: 'broker' }, { ttlMs: 10_000 });
    assert.unreachable('a second registration of a live id must fail');
  } catch (err) {
    assert.instance(err, AlreadyRegisteredError);
    assert.is((err as AlreadyRegisteredError).epoch, first.epoch);
  }
  await client.put('/ep1/data', 'by first', { fence: { broker: 'ep1', epoch: first.epoch } });

  const second = await client.registerNode({ id: 'ep1', address: 'a:2', role: 'broker' }, { ttlMs: 10_000, replace: true });
  assert.ok(second.epoch > first.epoch, `epoch grows: ${first.epoch} -> ${second.epoch}`);
  assert.equal((await client.listNodes()).map((b) => [b.id, b.address, b.epoch]), [['ep1', 'a:2', second.epoch]]);

  // The old registration's writes are fenced, and it learns it was replaced.
  for (const attempt of [() => first.heartbeat(), () => first.reportApplied(5), () => first.update({ address: 'a:3' }),
    () => client.put('/ep1/data', 'stale', { fence: { broker: 'ep1', epoch: first.epoch } }),
    () => client.delete('/ep1/data', { fence: { broker: 'ep1', epoch: first.epoch } }),
    () => client.txn({ guard: fenceGuards({ broker: 'ep1', epoch: first.epoch }), success: [op.put('/ep1/data', 'stale')] })]) {
    try {
      await attempt();
      assert.unreachable('a write with the old epoch must be fenced');
    } catch (err) {
      assert.instance(err, FencedError);
    }
  }
  assert.instance(await first.fenced, FencedError);
  assert.is((await client.get('/ep1/data'))?.valueString, 'by first');
  await client.put('/ep1/data', 'by second', { fence: { broker: 'ep1', epoch: second.epoch } });
  assert.is((await client.get('/ep1/data'))?.valueString, 'by second');

  await second.heartbeat({ appliedRevision: 7 });
  const applied = await client.get('/keel/applied/ep1');
  assert.equal(JSON.parse(applied!.valueString), { epoch: second.epoch, revision: 7 });
  assert.is(applied!.lease, second.leaseId);
  first.stopHeartbeats();
  await second.close();
  assert.is(await client.get('/keel/applied/ep1'), null, 'the applied report goes with the lease');
});

test('a broker that stops heartbeating disappears within its TTL plus one second, and watchNodes reports it', async () => {
  const changes = client.watchNodes();
  await changes.ready;
  const ttlMs = 1500;
  const reg = await client.registerNode({ id: 'quiet', address: 'q:1', role: 'broker' }, { ttlMs });
  const alive = await client.registerNode({ id: 'loud', address: 'l:1', role: 'controller' }, { ttlMs });
  assert.equal((await next(changes)).type, 'join');
  assert.equal((await next(changes)).type, 'join');
  // Heartbeats keep both registered well past the TTL.
  await new Promise((r) => setTimeout(r, ttlMs * 2));
  assert.equal((await client.listNodes()).map((b) => b.id), ['loud', 'quiet']);

  await reg.heartbeat();
  reg.stopHeartbeats(); // as if the broker had crashed
  const lastBeat = Date.now();
  await waitFor(async () => !(await client.listNodes()).some((b) => b.id === 'quiet'), ttlMs + 1000, 50);
  const goneAfter = Date.now() - lastBeat;
  assert.ok(goneAfter <= ttlMs + 1000, `gone after ${goneAfter} ms`);
  const leave = await next(changes);
  assert.equal([leave.type, leave.id], ['leave', 'quiet']);
  assert.equal((await client.listNodes()).map((b) => b.id), ['loud']);
  await alive.close();
  await changes.cancel();
});

test('unregisterNode removes a broker at once; an unknown id answers false', async () => {
  const reg = await client.registerNode({ id: 'gone', address: 'g:1', role: 'broker' }, { ttlMs: 30_000 });
  assert.is(await client.unregisterNode('gone'), true);
  assert.equal(await client.listNodes(), []);
  assert.is(await client.unregisterNode('gone'), false);
  await reg.close(); // its lease is already revoked: closing is still fine
});

test('keel brokers watch | list', async () => {
  // From the next revision on, however long the process takes to start.
  const from = (await client.range({ prefix: 'none/', countOnly: true })).header.revision + 1;
  const watcher = spawnTs(CLI_MAIN, ['brokers', 'watch', '--rev', String(from), '--count', '2', '--servers', cluster.nats.url]);
  const reg = await client.registerNode({ id: 'cli1', address: 'c:1', role: 'broker', metadata: { zone: 'a' } }, { ttlMs: 10_000 });
  const list = await runCli(['brokers', 'list', '--servers', cluster.nats.url]);
  assert.is(list.stdout, 'ID    ADDRESS  ROLE    METADATA\ncli1  c:1      broker  {"zone":"a"}\n', list.stderr);
  const json = JSON.parse((await runCli(['brokers', 'list', '--json', '--servers', cluster.nats.url])).stdout);
  assert.equal(json.brokers.map((b: { id: string }) => b.id), ['cli1']);
  await reg.close();
  await watcher.waitFor(/LEAVE cli1\n/, 10_000);
  // --count 2 reached: the command exits by itself (give a loaded machine time to get there).
  await waitFor(() => watcher.child.exitCode !== null, 10_000, 50);
  assert.is(watcher.child.exitCode, 0);
  assert.is(watcher.output(), 'JOIN cli1  c:1  broker  {"zone":"a"}\nLEAVE cli1\n');
});

test.run();

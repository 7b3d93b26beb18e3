// A real three-node cluster: a real nats-server, three `keel serve` processes, the client library.
// What a user would see: writes readable from every node, failover within 3 s, catch-up after a
// restart, no acknowledged write lost, a full-cluster restart keeping the data.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type KeelClient } from '../../src/client/index.js';
import { startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { clusterLeader, waitFor, waitForLeader } from './helpers.js';

const test = suite('integration: cluster');
let cluster: LocalCluster;
let client: KeelClient;

test.before(async () => {
  cluster = await startLocalCluster({ size: 3, logLevel: 'info' });
  client = await connect({ servers: cluster.nats.url, deadlineMs: 20_000 });
  await waitForLeader(client);
});

test.after(async () => {
  await client?.close();
  await cluster?.stop();
});

test('a write on the leader reads back from every node, linearizable and serializable', async () => {
  const put = await client.put('greeting', 'hello');
  assert.ok(put.header.revision > 0);
  for (const id of cluster.ids) {
    const lin = await client.get('greeting', { nodeId: id });
    assert.is(lin?.valueString, 'hello', `linearizable read on ${id}`);
    assert.is(lin?.header.nodeId, id);
    assert.ok(lin!.header.revision >= put.header.revision);
    // A serializable read may lag, but converges quickly and is never torn.
    await waitFor(async () => (await client.get('greeting', { nodeId: id, serializable: true }))?.valueString === 'hello', 3000);
  }
});

test('the leader killed with SIGKILL: a new leader within 3 s, writes continue, the node catches up on restart', async () => {
  const acknowledged = new Map<string, string>();
  for (let i = 0; i < 50; i++) {
    await client.put(`before/${i}`, `v${i}`);
    acknowledged.set(`before/${i}`, `v${i}`);
  }
  const oldLeader = await clusterLeader(client);
  const killedAt = Date.now();
  cluster.nodes.get(oldLeader)!.child.kill('SIGKILL');
  await cluster.nodes.get(oldLeader)!.exited;

  // Keep writing through the failover: every write the client saw acknowledged must survive.
  let newLeader = '';
  await waitFor(async () => {
    const st = await client.clusterStatus().catch(() => null);
    const leader = st?.members.find((m) => m.status?.role === 'leader' && m.id !== oldLeader);
    newLeader = leader?.id ?? '';
    return newLeader !== '';
  }, 3000, 50);
  const electedIn = Date.now() - killedAt;
  assert.ok(electedIn <= 3000, `new leader after ${electedIn} ms`);
  for (let i = 0; i < 50; i++) {
    await client.put(`after/${i}`, `v${i}`);
    acknowledged.set(`after/${i}`, `v${i}`);
  }

  cluster.startNode(oldLeader);
  await waitFor(async () => {
    const r = await client.range({ prefix: 'after/', countOnly: true, serializable: true, nodeId: oldLeader }).catch(() => null);
    return r?.count === 50;
  }, 15_000, 100);
  for (const [k, v] of acknowledged) {
    assert.is((await client.get(k, { nodeId: oldLeader, serializable: true }))?.valueString, v, `${k} on the restarted node`);
  }
});

test('the whole cluster restarted keeps every key and revision', async () => {
  await client.put('restart/a', '1');
  await client.put('restart/b', '2');
  const before = await client.range({ prefix: '' });
  await Promise.all([...cluster.nodes.values()].map((n) => n.stop()));
  for (const id of cluster.ids) cluster.startNode(id);
  await waitForLeader(client);
  const after = await client.range({ prefix: '' });
  assert.is(after.count, before.count);
  assert.equal(
    after.kvs.map((kv) => [kv.keyString, kv.valueString, kv.modRevision, kv.version]),
    before.kvs.map((kv) => [kv.keyString, kv.valueString, kv.modRevision, kv.version]),
  );
  assert.ok(after.header.revision >= before.header.revision);
});

test('a second node on the same data directory is refused with the holder named', async () => {
  const { spawnNode } = await import('../../src/node/local-cluster.js');
  const holder = cluster.nodes.get('n2')!;
  const intruder = spawnNode({ id: 'n2', peers: cluster.ids, servers: cluster.nats.url, dataDir: cluster.dataDir, logFile: `${cluster.dataDir}/intruder.log` });
  const code = await intruder.exited;
  await intruder.stop();
  assert.is.not(code, 0);
  const { readFile } = await import('node:fs/promises');
  const out = await readFile(`${cluster.dataDir}/intruder.log`, 'utf8');
  assert.match(out, new RegExp(`pid ${holder.child.pid}`));
  // The holder keeps serving.
  await client.put('still/serving', 'yes');
  assert.is((await client.get('still/serving', { nodeId: 'n2' }))?.valueString, 'yes');
});

test.run();

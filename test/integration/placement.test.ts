// The placement center against a real cluster: 6 broker processes in 3 racks, 20 topics × 12
// partitions × RF 3. A killed broker's replicas move within its TTL + 2 s; it comes back with a
// higher epoch and the old epoch is fenced; a Keel leader killed during a reassignment leaves the
// next leader's controller to finish it, with no partition placed twice on a broker.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FencedError, placement, type KeelClient, type PartitionDescription } from '../../src/client/index.js';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { CLI_MAIN, runCli, spawnTs, type SpawnedProcess } from '../helpers/processes.js';
import { useCluster, waitFor, waitForLeader } from './helpers.js';

const test = suite('integration: placement center');
let cluster: LocalCluster;
let client: KeelClient;
// Secured (NATS identities, cluster key): the controller runs as the node identity, brokers and clients as anonymous clients.
useCluster(test, { logLevel: 'warn', nodeArgs: ['--election-tick-ms', '50'], secure: true }, (shared) => ({ cluster, client } = shared));

const TTL_MS = 2000;
const BROKERS = Array.from({ length: 6 }, (_, i) => ({ id: `b${i}`, rack: `r${i % 3}` }));
const brokers = new Map<string, SpawnedProcess>();

function startBroker(id: string, rack: string): SpawnedProcess {
  const p = spawnTs(CLI_MAIN, ['brokers', 'register', id, `${id}:9092`, '--rack', rack, '--ttl', String(TTL_MS), '--servers', cluster.nats.url]);
  brokers.set(id, p);
  return p;
}

async function allPartitions(): Promise<PartitionDescription[]> {
  const pc = placement(client);
  const topics = await pc.topics.list();
  const described = await Promise.all(topics.map((t) => pc.topics.describe(t.name)));
  return described.flatMap((d) => d.partitionStates);
}

function rackOf(id: string): string {
  return BROKERS.find((b) => b.id === id)!.rack;
}

function assertSound(parts: PartitionDescription[], live: Set<string>): void {
  for (const p of parts) {
    const where = `${p.topic}/${p.partition}: ${p.replicas.join(',')}`;
    assert.is(new Set(p.replicas).size, p.replicas.length, `never twice on one broker: ${where}`);
    assert.is(p.replicas.length, 3, `RF 3: ${where}`);
    assert.ok(p.replicas.every((id) => live.has(id)), `only live brokers: ${where}`);
    assert.is(new Set(p.replicas.map(rackOf)).size, 3, `three racks: ${where}`);
    assert.ok(p.replicas.includes(p.leader), `leader is a replica: ${where} leader ${p.leader}`);
  }
}

test.after(async () => {
  await Promise.all([...brokers.values()].map((p) => p.stop('SIGKILL')));
});

test('20 topics x 12 partitions x RF 3 over 6 brokers in 3 racks: distinct, rack-spread, balanced', async () => {
  for (const b of BROKERS) startBroker(b.id, b.rack);
  await Promise.all([...brokers.values()].map((p) => p.waitFor(/registered with epoch/, 30_000)));
  const pc = placement(client);
  await Promise.all(Array.from({ length: 20 }, (_, t) => pc.topics.create({ name: `topic-${t}`, partitions: 12, replicationFactor: 3 }, { timeoutMs: 30_000 })));
  const parts = await allPartitions();
  assert.is(parts.length, 240);
  assertSound(parts, new Set(BROKERS.map((b) => b.id)));
  const replicas = new Map<string, number>();
  const leaders = new Map<string, number>();
  for (const p of parts) {
    p.replicas.forEach((id) => replicas.set(id, (replicas.get(id) ?? 0) + 1));
    leaders.set(p.replicas[0]!, (leaders.get(p.replicas[0]!) ?? 0) + 1);
    assert.is(p.leader, p.replicas[0], 'the preferred leader leads');
    assert.is(p.leaderEpoch, 0);
  }
  assert.equal([...replicas.values()].sort(), Array(6).fill(120), 'replicas per broker');
  assert.equal([...leaders.values()].sort(), Array(6).fill(40), 'preferred leaders per broker');
});

test('a killed broker leaves every partition within its TTL + 2 s; back with the same id it gets a higher epoch, the old one is fenced', async () => {
  const before = new Map((await client.listNodes()).map((b) => [b.id, b.epoch]));
  const ledByB0 = (await allPartitions()).filter((p) => p.leader === 'b0').length;
  const killedAt = Date.now();
  brokers.get('b0')!.child.kill('SIGKILL');
  const live = new Set(BROKERS.map((b) => b.id).filter((id) => id !== 'b0'));
  await waitFor(async () => (await allPartitions()).every((p) => !p.replicas.includes('b0') && p.replicas.length === 3), TTL_MS + 10_000, 100);
  const movedIn = Date.now() - killedAt;
  assert.ok(movedIn <= TTL_MS + 2000, `replicas moved off b0 in ${movedIn} ms (TTL ${TTL_MS} ms)`);
  const parts = await allPartitions();
  assertSound(parts, live);
  assert.is(parts.filter((p) => p.leaderEpoch === 1).length, ledByB0, 'partitions b0 led got a new leader and epoch 1');

  const back = startBroker('b0', 'r0');
  await back.waitFor(/registered with epoch/, 30_000);
  const epoch = (await client.listNodes()).find((b) => b.id === 'b0')!.epoch;
  assert.ok(epoch > before.get('b0')!, `epoch grew: ${before.get('b0')} -> ${epoch}`);
  try {
    await client.put('/broker-state/b0', 'stale', { fence: { broker: 'b0', epoch: before.get('b0')! } });
    assert.unreachable('a write fenced with the old epoch must fail');
  } catch (err) {
    assert.instance(err, FencedError);
  }
  await client.put('/broker-state/b0', 'current', { fence: { broker: 'b0', epoch } });
});

test('rebalance after the broker returned evens replicas and leaders out again', async () => {
  const r = await placement(client).topics.rebalance({ timeoutMs: 30_000 });
  assert.ok(r.moves > 0 && r.moves <= 120, `moves ${r.moves}`);
  const parts = await allPartitions();
  assertSound(parts, new Set(BROKERS.map((b) => b.id)));
  const count = (id: string) => parts.filter((p) => p.replicas.includes(id)).length;
  const counts = BROKERS.map((b) => count(b.id));
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `replicas per broker ${counts}`);
});

test('the Keel leader killed during a reassignment: the next leader finishes it, nothing placed twice', async () => {
  const leader = await waitForLeader(client);
  const changes = client.watchNodes();
  await changes.ready;
  brokers.get('b1')!.child.kill('SIGKILL');
  for (;;) {
    const c = await changes.next();
    if (!c.done && c.value.type === 'leave' && c.value.id === 'b1') break;
  }
  cluster.nodes.get(leader)!.child.kill('SIGKILL'); // right when the controller starts moving b1's replicas
  await changes.cancel();
  const live = new Set(BROKERS.map((b) => b.id).filter((id) => id !== 'b1'));
  await waitFor(async () => {
    const parts = await allPartitions().catch(() => null);
    return parts !== null && parts.every((p) => !p.replicas.includes('b1') && p.replicas.length === 3);
  }, 30_000, 200);
  assertSound(await allPartitions(), live);
  cluster.startNode(leader);
  await waitForLeader(client);
});

test('offsets: one commit for many partitions, compare-and-swap judged per partition', async () => {
  const offsets = placement(client).offsets;
  const first = await offsets.commit('g1', Array.from({ length: 300 }, (_, p) => ({ topic: 'topic-0', partition: p, offset: p * 10, expected: null })));
  assert.ok(first.results.every((r) => r.committed), 'all 300 committed (three txns of at most 100)');
  const second = await offsets.commit('g1', [
    { topic: 'topic-0', partition: 0, offset: 5, expected: 0 },      // matches: committed
    { topic: 'topic-0', partition: 1, offset: 5, expected: 999 },    // stale: conflict, reports 10
    { topic: 'topic-0', partition: 2, offset: 77 },                  // unconditional
    { topic: 'topic-1', partition: 0, offset: 1, expected: 3 },      // nothing stored: conflict
  ]);
  assert.equal(second.results.map((r) => [r.partition, r.committed, r.offset]), [[0, true, 5], [1, false, 10], [2, true, 77], [0, false, null]]);
  const fetched = await offsets.fetch('g1', { topic: 'topic-0' });
  assert.is(fetched.length, 300);
  assert.equal(fetched.slice(0, 3).map((o) => o.offset), [5, 10, 77]);
});

test('the CLI: topics create|describe|list|delete, offsets commit|fetch, brokers lag', async () => {
  const cli = (...args: string[]) => runCli([...args, '--servers', cluster.nats.url]);
  const created = await cli('topics', 'create', 'cli-t', '--partitions', '4', '--replication-factor', '3', '--json');
  assert.is(created.code, 0, created.stderr);
  const d = JSON.parse(created.stdout) as { partitions: number; partitionStates: { replicas: string[] }[] };
  assert.is(d.partitions, 4);
  assert.ok(d.partitionStates.every((p) => p.replicas.length === 3));
  const described = await cli('topics', 'describe', 'cli-t');
  assert.match(described.stdout, /^PARTITION\s+LEADER\s+EPOCH\s+REPLICAS\s+STATE$/m);
  assert.match(described.stdout, /^3\s+b\d\s+\d+\s+b\d,b\d,b\d\s+ok$/m);
  assert.ok((JSON.parse((await cli('topics', 'list', '--json')).stdout) as { topics: { name: string }[] }).topics.some((t) => t.name === 'cli-t'));
  assert.is((await cli('topics', 'create', 'cli-t', '--partitions', '1', '--replication-factor', '1')).code, 1, 'exists already');

  const commit = await cli('offsets', 'commit', 'g2', 'cli-t:0=5', 'cli-t:1=7@none');
  assert.is(commit.code, 0, commit.stderr);
  const conflict = await cli('offsets', 'commit', 'g2', 'cli-t:0=6@4');
  assert.is(conflict.code, 1);
  assert.match(conflict.stdout, /cli-t\s+0\s+5\s+conflict/);
  const fetched = JSON.parse((await cli('offsets', 'fetch', 'g2', '--json')).stdout) as { offsets: { partition: number; offset: number }[] };
  assert.equal(fetched.offsets.map((o) => [o.partition, o.offset]), [[0, 5], [1, 7]]);

  const lag = JSON.parse((await cli('brokers', 'lag', '--json')).stdout) as { brokers: { id: string }[] };
  assert.ok(lag.brokers.length >= 5);
  assert.is((await cli('topics', 'delete', 'cli-t')).code, 0);
  const gone = await cli('topics', 'describe', 'cli-t');
  assert.is(gone.code, 1);
  assert.match(gone.stderr, /NotFound: topic cli-t does not exist/);
});

test('waitApplied returns when every live broker reported the revision, and names the laggards when not', async () => {
  await Promise.all([...brokers.values()].map((p) => p.stop('SIGTERM')));
  await waitFor(async () => (await client.listNodes()).length === 0, 10_000);
  const pc = placement(client);
  const fast = await client.registerNode({ id: 'fast', address: 'f:1', role: 'broker' }, { ttlMs: 10_000 });
  const slow = await client.registerNode({ id: 'slow', address: 's:1', role: 'broker' }, { ttlMs: 10_000 });
  const { header } = await client.put('/config/acl', 'v2');
  await fast.reportApplied(header.revision);
  await slow.reportApplied(header.revision - 1);
  try {
    await pc.waitApplied(header.revision, { timeoutMs: 300 });
    assert.unreachable('slow is behind');
  } catch (err) {
    assert.equal((err as { laggards: unknown }).laggards, [{ id: 'slow', applied: header.revision - 1 }]);
  }
  const waiting = pc.waitApplied(header.revision, { timeoutMs: 10_000 });
  await slow.heartbeat({ appliedRevision: header.revision });
  const done = await waiting;
  assert.equal(done.map((b) => [b.id, b.applied >= header.revision]), [['fast', true], ['slow', true]]);
  const lag = await pc.lag();
  assert.ok(lag.brokers.every((b) => b.lag === lag.revision - b.applied));
  await fast.close();
  await slow.close();
});

test.run();

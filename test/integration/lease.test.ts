// Leases against a real three-node cluster: expiry deletes the keys on every node at one revision
// (and watchers see it), a lease kept alive survives the leader's death, and the CLI's lease commands.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KeelClient, Watch, WatchEventView } from '../../src/client/index.js';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { runCli, spawnTs, CLI_MAIN } from '../helpers/processes.js';
import { clusterLeader, take, useCluster, waitFor, waitForLeader } from './helpers.js';

const test = suite('integration: leases');
let cluster: LocalCluster;
let client: KeelClient;
useCluster(test, { logLevel: 'warn', nodeArgs: ['--election-tick-ms', '20'] }, (shared) => ({ cluster, client } = shared));

const keel = (args: string[]) => runCli([...args, '--servers', cluster.nats.url]);

test('an expired lease deletes its keys on every node at one revision, and watchers see the deletes', async () => {
  const watch = client.watch({ prefix: 'exp/' });
  await watch.ready;
  const { id } = await client.lease.grant(1000);
  for (const k of ['a', 'b', 'c']) await client.put(`exp/${k}`, k, { lease: id });
  await client.put('exp/free', 'no lease');
  const granted = Date.now();
  const puts = await take(watch, 4);
  assert.equal(puts.map((e) => e.type), ['put', 'put', 'put', 'put']);
  const deletes = await take(watch, 3, 5000);
  const expiredAfter = Date.now() - granted;
  assert.ok(expiredAfter >= 900, `expired after ${expiredAfter} ms`);
  assert.equal(deletes.map((e) => `${e.type} ${e.kv.keyString}`).sort(), ['delete exp/a', 'delete exp/b', 'delete exp/c']);
  const revision = deletes[0]!.revision;
  assert.ok(deletes.every((e) => e.revision === revision), 'one revision for every key of the lease');
  await watch.cancel();
  for (const nodeId of cluster.ids) {
    await waitFor(async () => (await client.range({ prefix: 'exp/', serializable: true, nodeId })).header.revision >= revision, 3000, 50);
    const r = await client.range({ prefix: 'exp/', serializable: true, nodeId });
    assert.equal(r.kvs.map((kv) => kv.keyString), ['exp/free'], `keys left on ${nodeId}`);
    assert.is((await client.get('exp/free', { nodeId, serializable: true }))?.modRevision, puts[3]!.revision);
  }
  assert.is((await client.lease.timeToLive(id)).remainingMs, -1);
  assert.not.ok((await client.lease.list()).ids.includes(id));
});

test('a lease kept alive survives the leader killed; once its keep-alive stops it expires', async () => {
  const ttlMs = 2000;
  const { id } = await client.lease.grant(ttlMs);
  const keeper = client.lease.keepAlive(id);
  await client.put('held/k', 'v', { lease: id });
  const leader = await clusterLeader(client);
  cluster.nodes.get(leader)!.child.kill('SIGKILL');
  await cluster.nodes.get(leader)!.exited;
  // Over twice the TTL across a failover: the new leader extended the lease, the keep-alives found it.
  await new Promise((r) => setTimeout(r, 2 * ttlMs + 500));
  assert.is((await client.get('held/k'))?.valueString, 'v');
  const ttl = await client.lease.timeToLive(id);
  assert.ok(ttl.remainingMs > 0, `remaining ${ttl.remainingMs} ms`);
  assert.ok(keeper.running);
  cluster.startNode(leader);

  keeper.stop();
  await keeper.lost; // resolves on stop
  const stoppedAt = Date.now();
  // Gone within the TTL after the last keep-alive, plus room for a loaded machine.
  await waitFor(async () => (await client.get('held/k')) === null, ttlMs + 3000, 50);
  assert.ok(Date.now() - stoppedAt <= ttlMs + 2000, `expired ${Date.now() - stoppedAt} ms after the last keep-alive`);
  await waitForLeader(client);
});

test('keepAlive on a revoked lease reports LeaseNotFound through `lost`', async () => {
  const { id } = await client.lease.grant(5000);
  const keeper = client.lease.keepAlive(id, { intervalMs: 50 });
  await client.lease.revoke(id);
  const err = await keeper.lost.then(() => null, (e: Error) => e);
  assert.is((err as { code?: string } | null)?.code, 'LeaseNotFound');
  assert.not.ok(keeper.running);
});

test('keel lease grant | put --lease | ttl --keys | list | keepalive --once | revoke', async () => {
  const grant = await keel(['lease', 'grant', '30000', '--json']);
  assert.is(grant.code, 0, grant.stderr);
  const id = JSON.parse(grant.stdout).id as number;
  const put = await keel(['put', 'cli/leased', 'v', '--lease', String(id)]);
  assert.is(put.stdout, 'OK\n', put.stderr);
  const ttl = await keel(['lease', 'ttl', String(id), '--keys']);
  assert.match(ttl.stdout, new RegExp(`^lease ${id}: \\d+ ms left of 30000 ms\\ncli/leased\\n$`));
  assert.ok((await keel(['lease', 'list'])).stdout.split('\n').includes(String(id)));
  const once = await keel(['lease', 'keepalive', String(id), '--once']);
  assert.is(once.stdout, `lease ${id} renewed for 30000 ms\n`);
  const revoke = await keel(['lease', 'revoke', String(id)]);
  assert.is(revoke.stdout, `lease ${id} revoked\n`);
  assert.is(await client.get('cli/leased'), null);
});

test('keel lease keepalive renews until SIGTERM and then exits 0', async () => {
  // The test's own keeper holds the lease until the CLI (slow to start on a loaded machine) has
  // renewed it once; from then on only the CLI keeps it, for more than two TTLs.
  const ttlMs = 1500;
  const { id } = await client.lease.grant(ttlMs);
  const bridge = client.lease.keepAlive(id);
  const proc = spawnTs(CLI_MAIN, ['lease', 'keepalive', String(id), '--servers', cluster.nats.url]);
  const renewals = (): number => proc.output().split(`lease ${id} renewed for ${ttlMs} ms`).length - 1;
  try {
    await proc.waitFor(new RegExp(`lease ${id} renewed for ${ttlMs} ms`), 30_000);
  } finally {
    bridge.stop();
  }
  const handedOver = Date.now();
  const atHandover = renewals();
  await waitFor(() => {
    if (proc.child.exitCode !== null) throw new Error(`keepalive exited: ${proc.output()}`);
    return Date.now() - handedOver > 2 * ttlMs && renewals() >= atHandover + 3;
  }, 30_000, 50);
  assert.ok((await client.lease.timeToLive(id)).remainingMs > 0);
  assert.is(await proc.stop('SIGTERM'), 0);
});

test.run();

// A real three-node cluster: a real nats-server, three `keel serve` processes, the client library.
// What a user would see: writes readable from every node, failover within 3 s, catch-up after a
// restart, no acknowledged write lost, a full-cluster restart keeping the data.
import { readFile } from 'node:fs/promises';
import { connect as natsConnect } from 'nats';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KeelClient } from '../../src/client/index.js';
import { decodeResponse, encodeRequest } from '../../src/codec/index.js';
import { spawnNode, type LocalCluster } from '../../src/node/local-cluster.js';
import { SERVE_V8_FLAGS } from '../../src/node/serve-v8-flags.js';
import { runCli } from '../helpers/processes.js';
import { clusterLeader, useCluster, waitFor, waitForLeader } from './helpers.js';

const test = suite('integration: cluster');
let cluster: LocalCluster;
let client: KeelClient;
useCluster(test, { logLevel: 'info' }, (shared) => ({ cluster, client } = shared));

test('every node runs with the serving V8 flags on its command line', async () => {
  for (const id of cluster.ids) {
    const argv = (await readFile(`/proc/${cluster.nodes.get(id)!.child.pid}/cmdline`, 'utf8')).split('\0');
    for (const flag of SERVE_V8_FLAGS) assert.ok(argv.includes(flag), `${id} runs with ${flag}: ${argv.join(' ')}`);
  }
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

test('keel status --json: every node with its pid and one leader', async () => {
  let last = '';
  await waitFor(async () => {
    const r = await runCli(['status', '--servers', cluster.nats.url, '--json']);
    assert.is(r.code, 0, r.stderr);
    last = r.stdout;
    const doc = JSON.parse(r.stdout) as { leader: string; members: { id: string; reachable: boolean; status: { pid: number; role: string } | null }[] };
    if (doc.members.length !== 3 || !doc.members.every((m) => m.reachable)) return false;
    for (const m of doc.members) assert.is(m.status!.pid, cluster.nodes.get(m.id)!.child.pid);
    assert.is(doc.members.filter((m) => m.status!.role === 'leader').length, 1);
    assert.is(doc.members.find((m) => m.status!.role === 'leader')!.id, doc.leader);
    return true;
  }, 10_000, 200).catch(() => assert.unreachable(`not every node answered: ${last}`));
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
  // A write issued at once is retried by the client until a new leader takes it.
  const first = await client.put('failover/first', 'x');
  assert.is.not(first.header.nodeId, oldLeader);
  acknowledged.set('failover/first', 'x');

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

test('malformed, oversized and invalid requests get typed error responses while the cluster keeps serving', async () => {
  const nc = await natsConnect({ servers: cluster.nats.url });
  try {
    const ask = async (subject: string, data: Uint8Array) => decodeResponse((await nc.request(subject, data, { timeout: 3000 })).data);
    const garbage = await ask('keel.default.leader.put', Uint8Array.of(0xff, 0xff, 0xff, 0x01));
    assert.is(garbage.error?.code, 'InvalidArgument');
    const empty = await ask('keel.default.api.range', new Uint8Array(0));
    assert.is(empty.error?.code, 'InvalidArgument');
    const bigKey = encodeRequest({
      requestId: { clientId: 'raw', seq: 1 },
      body: { type: 'put', key: new Uint8Array(5000), value: new Uint8Array(1), lease: 0, prevKv: false },
    });
    assert.is((await ask('keel.default.leader.put', bigKey)).error?.code, 'KeyTooLarge');
    const bigValue = encodeRequest({
      requestId: { clientId: 'raw', seq: 2 },
      body: { type: 'put', key: Uint8Array.of(1), value: new Uint8Array(900 * 1024), lease: 0, prevKv: false },
    });
    assert.ok(['ValueTooLarge', 'RequestTooLarge'].includes((await ask('keel.default.leader.put', bigValue)).error?.code ?? ''));
    const noId = encodeRequest({ requestId: null, body: { type: 'put', key: Uint8Array.of(1), value: Uint8Array.of(1), lease: 0, prevKv: false } });
    assert.is((await ask('keel.default.leader.put', noId)).error?.code, 'InvalidArgument');
    const unknown = await ask('keel.default.api.frobnicate', encodeRequest({ requestId: null, body: { type: 'status' } }));
    assert.ok(unknown.error, 'an unknown operation is answered with an error');
  } finally {
    await nc.close();
  }
  await client.put('after/garbage', 'fine');
  assert.is((await client.get('after/garbage'))?.valueString, 'fine');
  const st = await client.clusterStatus();
  assert.ok(st.members.every((m) => m.status !== null), 'every node still answers');
});

test('the CLI against the real cluster: put, get, range, del, status, member list', async () => {
  const keel = (...args: string[]) => runCli([...args, '--servers', cluster.nats.url]);
  assert.is((await keel('put', 'cli/a', '1')).stdout, 'OK\n');
  await keel('put', 'cli/b', '2');
  assert.is((await keel('get', 'cli/a')).stdout, 'cli/a\n1\n');
  assert.is((await keel('range', 'cli/', '--prefix')).stdout, 'cli/a\n1\ncli/b\n2\n');
  const json = JSON.parse((await keel('get', 'cli/b', '--json')).stdout) as { kv: { key: string; value: string } };
  assert.equal([json.kv.key, json.kv.value], ['cli/b', '2']);
  assert.is((await keel('del', 'cli/', '--prefix')).stdout.trim(), '2');
  assert.is((await keel('get', 'cli/a')).stdout, '');
  const status = (await keel('status')).stdout;
  for (const id of cluster.ids) assert.match(status, new RegExp(`^${id}\\s+\\d+\\s+(leader|follower)`, 'm'));
  assert.match(status, /LAG/);
  const members = (await keel('member', 'list')).stdout;
  for (const id of cluster.ids) assert.match(members, new RegExp(id));
});

test('a second node on the same data directory is refused with the holder named', async () => {
  const holder = cluster.nodes.get('n2')!;
  const intruder = spawnNode({ id: 'n2', peers: cluster.ids, servers: cluster.nats.url, dataDir: cluster.dataDir, logFile: `${cluster.dataDir}/intruder.log` });
  const code = await intruder.exited;
  await intruder.stop();
  assert.is.not(code, 0);
  const out = await readFile(`${cluster.dataDir}/intruder.log`, 'utf8');
  assert.match(out, new RegExp(`pid ${holder.child.pid}`));
  // The holder keeps serving.
  await client.put('still/serving', 'yes');
  assert.is((await client.get('still/serving', { nodeId: 'n2' }))?.valueString, 'yes');
});

test.run();

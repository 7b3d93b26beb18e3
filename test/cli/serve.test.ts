// End to end: three real `keel serve` processes on a real nats-server, driven through the client
// library and the CLI. Checks what a user sees: writes and reads, the status table, a leader crash
// survived by client retries, and the data kept across a restart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type KeelClient } from '../../src/client/index.js';
import { startNatsServer, type RunningNatsServer } from '../helpers/nats.js';
import { startKeelCluster, type KeelCluster } from '../helpers/cluster.js';
import { runCli } from '../helpers/processes.js';

let nats: RunningNatsServer;
let cluster: KeelCluster;
let client: KeelClient;

test.before(async () => {
  nats = await startNatsServer();
  cluster = await startKeelCluster({ natsUrl: nats.url });
  client = await connect({ servers: nats.url, deadlineMs: 20_000 });
});
test.after(async () => {
  await client?.close();
  await cluster?.stop();
  await nats?.stop();
});

test('a fresh cluster elects a leader and serves writes and linearizable reads', async () => {
  const put = await client.put('hello', 'world');
  assert.ok(put.header.revision >= 1);
  assert.ok(['n1', 'n2', 'n3'].includes(put.header.nodeId));
  const kv = await client.get('hello');
  assert.is(kv?.valueString, 'world');
  assert.ok(kv!.header.revision >= put.header.revision);
});

test('keel status lists the three nodes with their pids and one leader', async () => {
  const until = Date.now() + 10_000;
  let out = '';
  while (Date.now() < until) {
    const r = await runCli(['status', '--servers', nats.url, '--json']);
    assert.is(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { leader: string; members: { id: string; reachable: boolean; status: { pid: number; role: string } | null }[] };
    out = r.stdout;
    if (doc.members.length === 3 && doc.members.every((m) => m.reachable)) {
      const pids = new Map([...cluster.nodes].map(([id, p]) => [id, p.child.pid]));
      for (const m of doc.members) assert.is(m.status!.pid, pids.get(m.id));
      assert.is(doc.members.filter((m) => m.status!.role === 'leader').length, 1);
      assert.is(doc.members.find((m) => m.status!.role === 'leader')!.id, doc.leader);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.unreachable(`not every node answered: ${out}`);
});

test('killing the leader: the next write is retried until a new leader takes it', async () => {
  const { leader } = await client.members();
  await cluster.stopNode(leader, 'SIGKILL');
  const put = await client.put('after-crash', 'yes');
  assert.is.not(put.header.nodeId, leader);
  assert.is((await client.get('after-crash'))?.valueString, 'yes');
  // The crashed node comes back and catches up with the new leader's commit index.
  const target = (await client.status({ nodeId: put.header.nodeId })).commitIndex;
  cluster.start(leader);
  const until = Date.now() + 15_000;
  let applied = -1;
  while (Date.now() < until && applied < target) {
    applied = (await client.status({ nodeId: leader }).catch(() => null))?.appliedIndex ?? -1;
    if (applied < target) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(applied >= target, `restarted ${leader} applied ${applied}, the leader had committed ${target}`);
});

test('after every node restarts, the data is still there', async () => {
  await Promise.all(cluster.ids.map((id) => cluster.stopNode(id)));
  cluster.ids.forEach((id) => cluster.start(id));
  assert.is((await client.get('hello'))?.valueString, 'world');
  assert.is((await client.get('after-crash'))?.valueString, 'yes');
});

test.run();

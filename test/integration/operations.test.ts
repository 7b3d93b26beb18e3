// Day-2 operations on a real, secured cluster: leadership transfer for rolling restarts (keel member
// transfer-leader, and a leader handing over on SIGTERM), automatic compaction of the history, the
// storage quota and its NOSPACE alarm.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NoSpaceError, connect, type KeelClient } from '../../src/client/index.js';
import path from 'node:path';
import { spawnNode, startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { runCli, runTs } from '../helpers/processes.js';
import { waitFor, waitForLeader } from './helpers.js';

const test = suite('integration: operations');
let cluster: LocalCluster;
let client: KeelClient;
const QUOTA = 256 * 1024;

test.before(async () => {
  cluster = await startLocalCluster({ size: 3, logLevel: 'info', secure: true, nodeArgs: ['--election-tick-ms', '100', '--auto-compact-retention', '200', '--quota-bytes', String(QUOTA)] });
  client = await connect({ servers: cluster.nats.url, deadlineMs: 30_000 });
  await waitForLeader(client);
});

test.after(async () => {
  await client?.close();
  await cluster?.stop();
});

const admin = (...args: string[]) => runCli([...args, '--servers', cluster.nats.url, '--nkey', cluster.security!.seeds.admin, '--json']);

test('keel member transfer-leader hands leadership to the named voter, or to the most caught-up one', async () => {
  const leader = await waitForLeader(client);
  const target = cluster.ids.find((id) => id !== leader)!;
  const r = await admin('member', 'transfer-leader', target);
  assert.is(r.code, 0, r.stderr);
  assert.is((JSON.parse(r.stdout) as { leader: string }).leader, target);
  assert.is(await waitForLeader(client), target);
  const any = await admin('member', 'transfer-leader');
  assert.is(any.code, 0, any.stderr);
  const next = (JSON.parse(any.stdout) as { leader: string }).leader;
  assert.ok(next !== target && cluster.ids.includes(next), `moved on to ${next}`);
  const unknown = await admin('member', 'transfer-leader', 'n9');
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /n9 is not a voter/);
  const anonymous = await runCli(['member', 'transfer-leader', '--servers', cluster.nats.url]);
  assert.is(anonymous.code, 1, 'an operator action needs the admin identity');
});

test('a leader stopped with SIGTERM hands leadership over first: a new leader well within an election timeout', async () => {
  const leader = await waitForLeader(client);
  await client.put('ops/before', '1');
  const stoppedAt = Date.now();
  const exit = cluster.nodes.get(leader)!.stop('SIGTERM');
  let next = '';
  await waitFor(async () => {
    const m = await client.members().catch(() => null);
    next = m?.leader ?? '';
    return next !== '' && next !== leader;
  }, 10_000, 20);
  const took = Date.now() - stoppedAt;
  await exit;
  assert.ok(took < 1000, `new leader ${next} after ${took} ms (the election timeout is 1000-2000 ms)`);
  assert.match(await cluster.nodeLog(leader), /handed leadership over before stopping/);
  await client.put('ops/after', '2');
  cluster.startNode(leader);
  await waitFor(async () => (await client.clusterStatus()).members.every((m) => m.status), 20_000);
});

test('--auto-compact-retention 200: the leader keeps compacting to 200 revisions behind the head', async () => {
  for (let i = 0; i < 600; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => client.put(`ac/${i + j}`, 'v')));
  const { header } = await client.put('ac/last', 'v');
  let compacted = 0;
  await waitFor(async () => {
    compacted = (await client.status()).compactRevision;
    return compacted >= header.revision - 200 - 20; // steps of a tenth of the retention
  }, 10_000, 100);
  assert.ok(compacted <= header.revision - 200, `kept at least 200 revisions: head ${header.revision}, compacted to ${compacted}`);
  try {
    for await (const _ of client.watch({ prefix: 'ac/' }, { startRevision: compacted - 1 })) break;
    assert.unreachable('a watch from below the compaction point must fail');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'Compacted');
  }
});

test('--quota-bytes: past it writes get NoSpace and every member raises NOSPACE; reads and deletes work; disarm after freeing space', async () => {
  const value = 'x'.repeat(16 * 1024);
  let refused: unknown = null;
  for (let i = 0; i < 40 && !refused; i++) {
    try {
      await client.put(`quota/${i}`, value);
    } catch (err) {
      refused = err;
    }
  }
  assert.instance(refused, NoSpaceError);
  assert.match((refused as Error).message, `storage quota of ${QUOTA} bytes`);
  await waitFor(async () => (await client.clusterStatus()).members.every((m) => m.status?.alarms.includes('NOSPACE')), 5000, 50);
  const listed = await runCli(['alarm', 'list', '--servers', cluster.nats.url, '--json']);
  assert.is((JSON.parse(listed.stdout) as { alarms: unknown[] }).alarms.length, 3);
  assert.is((await client.get('quota/0'))?.value.length, value.length, 'reads still work');
  await client.put('tiny', '1').then(() => assert.unreachable('a growing write is refused while the alarm is raised'), (err) => assert.instance(err, NoSpaceError));
  const { deleted } = await client.delete({ prefix: 'quota/' });
  assert.ok(deleted > 10, 'deletes still work');
  await client.put('tiny', '1').then(() => assert.unreachable('still refused until disarmed'), (err) => assert.instance(err, NoSpaceError));
  const anonymous = await runCli(['alarm', 'disarm', '--servers', cluster.nats.url]);
  assert.is(anonymous.code, 1, 'disarming needs the admin identity');
  const disarmed = await admin('alarm', 'disarm');
  assert.is(disarmed.code, 0, disarmed.stderr + disarmed.stdout);
  await client.put('tiny', '1');
  assert.ok((await client.clusterStatus()).members.every((m) => m.status?.alarms.length === 0));
});

test('the initial membership is in the log: offline compaction needs no --peers; a restart with other --peers is reported and ignored', async () => {
  const id = cluster.ids.find((n) => n !== 'n1')!;
  await client.put('ops/bootstrap', 'x');
  await cluster.nodes.get(id)!.stop('SIGTERM');
  const nodeDir = path.join(cluster.dataDir, 'default', id);
  const compacted = await runTs('tools/compact.ts', [nodeDir, '--json']);
  assert.is(compacted.code, 0, compacted.stdout + compacted.stderr);
  assert.ok((JSON.parse(compacted.stdout) as { snapshot: { index: number } | null }).snapshot!.index > 1, 'a snapshot was written');

  const restarted = spawnNode({
    id, peers: [id, 'n7', 'n8'], servers: cluster.nats.url, dataDir: cluster.dataDir, logLevel: 'info',
    security: cluster.security, args: ['--election-tick-ms', '100'],
  });
  cluster.nodes.set(id, restarted);
  await waitFor(async () => /--peers differs from the membership in the log/.test(await cluster.nodeLog(id)), 20_000, 100);
  await waitFor(async () => (await client.clusterStatus()).members.every((m) => m.status), 20_000, 100);
  assert.equal((await client.members()).members.map((m) => m.id).sort(), [...cluster.ids].sort(), 'the membership is the log\'s');
  assert.is((await client.get('ops/bootstrap', { nodeId: id, serializable: true }))?.valueString, 'x');
});

test.run();

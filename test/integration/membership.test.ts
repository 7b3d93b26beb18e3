// Membership changes on a real cluster under write load: a 4th node joins as a learner, catches up
// (by snapshot: the others have compacted), is promoted; a concurrent second change is refused
// clearly; the leader is removed; nothing acknowledged is lost and the cluster keeps serving.
import { execFile } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type KeelClient } from '../../src/client/index.js';
import { ClusterAdmin } from '../../src/cli/admin.js';
import { REPO_ROOT, spawnNode, startLocalCluster, type LocalCluster, type NodeProcess } from '../../src/node/local-cluster.js';
import { waitFor, waitForLeader } from './helpers.js';

const test = suite('integration: membership');
// A snapshot every 32 KiB of log (about 800 of these puts), keeping the entries of the last 1,000
// writes below it: a learner behind by less catches up from the log, one behind the log's start by a
// snapshot.
const NODE_ARGS = ['--snapshot-log-bytes', String(32 * 1024), '--retain-entries', '1000', '--segment-bytes', String(64 * 1024)];
let cluster: LocalCluster;
let client: KeelClient;
let admin: ClusterAdmin;
let n4: NodeProcess | undefined;

test.before(async () => {
  // Secured (docs/security.md): the nodes run as the node identity with a cluster key; membership
  // changes need the admin identity.
  cluster = await startLocalCluster({ size: 3, logLevel: 'info', nodeArgs: NODE_ARGS, secure: true });
  client = await connect({ servers: cluster.nats.url, deadlineMs: 30_000, nkeyFile: cluster.security!.seeds.admin });
  admin = new ClusterAdmin(client);
  await waitForLeader(client);
});

test.after(async () => {
  await client?.close();
  await n4?.stop();
  await cluster?.stop();
});

/** Background writers; every acknowledged key is recorded. */
function writeLoad(workers: number): { acked: Map<string, string>; stop(): Promise<void> } {
  const acked = new Map<string, string>();
  let running = true;
  let next = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const key = `load/${next++}`;
      try {
        await client.put(key, `v-${key}`);
        acked.set(key, `v-${key}`);
      } catch {
        // not acknowledged: it may or may not be there, and that is allowed
      }
    }
  });
  return { acked, stop: async () => { running = false; await Promise.all(loops); } };
}

async function role(id: string): Promise<string | undefined> {
  return (await client.members()).members.find((m) => m.id === id)?.role;
}

test('a 4th node joins as a learner, catches up, is promoted; then the leader is removed; nothing acknowledged is lost', async () => {
  // Compacted history before n4 exists: 3,000 puts in rounds of 10 (a round goes in one log entry),
  // so that a snapshot's index is well past the entries it keeps below it.
  for (let i = 0; i < 3000; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, j) => client.put(`pre/${i + j}`, 'x')));
  }
  const load = writeLoad(16);
  try {
    n4 = spawnNode({ id: 'n4', peers: ['n4'], servers: cluster.nats.url, dataDir: cluster.dataDir, args: ['--join', ...NODE_ARGS], security: cluster.security });
    const added = await admin.memberAdd('n4', true);
    assert.equal(added.members.find((m) => m.id === 'n4'), { id: 'n4', role: 'learner' });
    await waitFor(async () => (await client.range({ prefix: 'pre/', countOnly: true, serializable: true, nodeId: 'n4' }).catch(() => null))?.count === 3000, 30_000, 200);
    const n4status = (await client.status({ nodeId: 'n4' }));
    assert.is(n4status.role, 'learner');
    assert.match(await cluster.nodeLog('n4'), /installed a snapshot from the leader/, 'n4 caught up by snapshot');

    // Promote (it may need a moment to be fully caught up under load). The answer comes from the
    // leader once the change applied there; another node's member list may lag it for a moment.
    let promoted: Awaited<ReturnType<typeof admin.memberPromote>> | null = null;
    await waitFor(async () => {
      try {
        promoted = await admin.memberPromote('n4');
        return true;
      } catch (err) {
        if (/has not caught up/.test((err as Error).message)) return false;
        throw err;
      }
    }, 20_000, 200);
    assert.equal(promoted!.members.find((m) => m.id === 'n4'), { id: 'n4', role: 'voter' });
    await waitFor(async () => (await role('n4')) === 'voter', 10_000, 50);

    // Two changes at once: one is refused with a clear reason, not silently queued.
    const extra = ['x1', 'x2', 'x3', 'x4', 'x5'];
    const both = await Promise.allSettled(extra.map((id) => admin.memberAdd(id, true)));
    const refused = both.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason?.message));
    assert.ok(refused.length >= 1, 'at least one concurrent change refused');
    assert.ok(refused.every((m) => /not applied yet/.test(m)), refused.join(' | '));
    // Remove the ones that were added (asked of the leader: a lagging follower's member list may not show them yet).
    for (const [i, id] of extra.entries()) if (both[i]!.status === 'fulfilled') await admin.memberRemove(id);

    // Remove the leader itself under load.
    const leader = await waitForLeader(client);
    const afterRemove = await admin.memberRemove(leader);
    assert.not.ok(afterRemove.members.some((m) => m.id === leader), 'the old leader is gone from the membership');
    await waitFor(async () => {
      const m = await client.members().catch(() => null);
      return !!m && m.leader !== '' && m.leader !== leader;
    }, 10_000, 100);
    await cluster.nodes.get(leader)!.stop();
    await new Promise((r) => setTimeout(r, 500)); // more writes on the new configuration
  } finally {
    await load.stop();
  }
  assert.ok(load.acked.size > 100, `writes went on during the changes (${load.acked.size})`);
  const members = await client.members();
  assert.is(members.members.filter((m) => m.role === 'voter').length, 3);
  for (const [key, value] of load.acked) {
    const got = await client.get(key);
    if (got?.valueString !== value) assert.unreachable(`acknowledged ${key} lost`);
  }
  // The new member serves the same data as the leader.
  const count = (await client.range({ prefix: 'load/', countOnly: true })).count;
  await waitFor(async () => (await client.range({ prefix: 'load/', countOnly: true, serializable: true, nodeId: 'n4' })).count === count, 10_000);
});

function keel(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--servers', cluster.nats.url, '--nkey', cluster.security!.seeds.admin], { cwd: REPO_ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

test('the CLI: member list shows roles, promoting an unknown node is refused with a clear message', async () => {
  const list = await keel(['member', 'list', '--json']);
  assert.is(list.code, 0, list.err);
  const members = (JSON.parse(list.out) as { members: { id: string; role: string }[] }).members;
  assert.equal(members.find((m) => m.id === 'n4'), { id: 'n4', role: 'voter' });
  const refused = await keel(['member', 'promote', 'nobody']);
  assert.is(refused.code, 1);
  assert.match(refused.err, /keel: InvalidArgument: nobody is not a learner of this cluster/, refused.err);
});

test.run();

// Snapshots and compaction on a real cluster: a follower stopped through 50,000 writes while the
// others snapshot and drop their old segments catches up by InstallSnapshot and serves the same
// data; a full restart from snapshot + log tail gives the same projection as before.
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type KeelClient } from '../../src/client/index.js';
import { REPO_ROOT, startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { waitFor, waitForLeader } from './helpers.js';

const test = suite('integration: snapshots');
let cluster: LocalCluster;
let client: KeelClient;
const WRITES = 50_000;

test.before(async () => {
  cluster = await startLocalCluster({
    size: 3,
    logLevel: 'info',
    // The log-size trigger: a leader proposes the writes of one turn as one batch entry, so 50,000
    // pipelined writes make only about a thousand entries, and how many depends on the batching.
    nodeArgs: ['--snapshot-log-bytes', String(512 * 1024), '--retain-entries', '20', '--segment-bytes', String(256 * 1024)],
  });
  client = await connect({ servers: cluster.nats.url, deadlineMs: 30_000 });
  await waitForLeader(client);
});

test.after(async () => {
  await client?.close();
  await cluster?.stop();
});

/** Runs `count` puts with `inFlight` outstanding at a time; resolves when all are acknowledged. */
async function pipelinedPuts(count: number, inFlight: number, key: (i: number) => string, value: (i: number) => string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await client.put(key(i), value(i));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

function nodeDir(id: string): string {
  return path.join(cluster.dataDir, 'default', id);
}

async function snapFiles(id: string): Promise<string[]> {
  return (await readdir(path.join(nodeDir(id), 'snap')).catch(() => [] as string[])).filter((n) => n.endsWith('.snap'));
}

type Row = [string, string, number, number, number];
/** Every key (paged: one response must fit NATS max_payload), from the leader or one node's local state. */
async function dump(nodeId?: string): Promise<Row[]> {
  const rows: Row[] = [];
  let from = '\0';
  for (;;) {
    const r = await client.range({ from, limit: 2000, serializable: nodeId !== undefined, nodeId });
    for (const kv of r.kvs) rows.push([kv.keyString, kv.valueString, kv.createRevision, kv.modRevision, kv.version]);
    if (r.kvs.length < 2000) return rows;
    from = `${r.kvs[r.kvs.length - 1]!.keyString}\0`;
  }
}

test('a follower stopped through 50,000 writes catches up by snapshot and serves identical data', async () => {
  const leader = await waitForLeader(client);
  const follower = cluster.ids.find((id) => id !== leader)!;
  await cluster.nodes.get(follower)!.stop();

  await pipelinedPuts(WRITES, 128, (i) => `bulk/${String(i).padStart(6, '0')}`, (i) => `value-${i}`);

  // The two running nodes snapshotted and dropped segments: their logs no longer start at 1.
  const leaderStatus = (await client.clusterStatus()).members.find((m) => m.id === leader)!.status!;
  assert.ok(leaderStatus.firstIndex > 1, `leader log starts at ${leaderStatus.firstIndex}: ${(await cluster.nodeLog(leader)).split('\n').filter((l) => /snapshot/.test(l)).slice(-3).join('\n')}`);
  assert.ok((await snapFiles(leader)).length >= 1, 'the leader wrote snapshot files');

  cluster.startNode(follower);
  await waitFor(async () => {
    const r = await client.range({ prefix: 'bulk/', countOnly: true, serializable: true, nodeId: follower }).catch(() => null);
    return r?.count === WRITES;
  }, 60_000, 250);
  const log = await cluster.nodeLog(follower);
  assert.match(log, /installed a snapshot from the leader/);
  assert.ok((await snapFiles(follower)).length >= 1, 'the follower keeps the installed snapshot on disk');

  const onLeader = await dump();
  const onFollower = await dump(follower);
  assert.is(onFollower.length, onLeader.length);
  assert.equal(onFollower, onLeader);
  // And it keeps up with new writes after the snapshot.
  await client.put('after/snapshot', 'yes');
  await waitFor(async () => (await client.get('after/snapshot', { nodeId: follower, serializable: true }))?.valueString === 'yes', 5000);
});

test('a full restart from snapshot + log tail gives the same projection and revision (a corrupt newest snapshot falls back)', async () => {
  await pipelinedPuts(300, 32, (i) => `tail/${i}`, (i) => `t${i}`); // entries after the last snapshot
  const before = await dump();
  const beforeStatus = await client.clusterStatus();
  const revision = beforeStatus.members.find((m) => m.status?.role === 'leader')!.status!.revision;
  await Promise.all([...cluster.nodes.values()].map((n) => n.stop()));
  // One node's newest snapshot is damaged, and a crash left a half-written temp file beside it.
  // (The follower that caught up by InstallSnapshot holds only that one; the others keep two.)
  let victim = '';
  let snaps: string[] = [];
  for (const id of cluster.ids) {
    const files = (await snapFiles(id)).sort((a, b) => parseInt(b) - parseInt(a));
    if (files.length >= 2) [victim, snaps] = [id, files];
  }
  assert.ok(victim !== '', 'a node keeps an older snapshot to fall back to');
  const newest = path.join(nodeDir(victim), 'snap', snaps[0]!);
  const bytes = await readFile(newest);
  bytes[bytes.length >> 1]! ^= 0xff;
  await writeFile(newest, bytes);
  await writeFile(path.join(nodeDir(victim), 'snap', `${parseInt(snaps[0]!) + 10}-9.snap.tmp`), 'half written');
  for (const id of cluster.ids) cluster.startNode(id);
  await waitForLeader(client);
  const after = await dump();
  assert.equal(after, before);
  const lines = (await cluster.nodeLog(victim)).split('\n');
  assert.ok(lines.some((l) => l.includes('skipping an unusable snapshot') && l.includes(snaps[0]!) && l.includes('fails its CRC')), 'the corrupt file is named in the log');
  assert.ok(lines.some((l) => l.includes('restoring from a snapshot and the log after it') && l.includes(snaps[1]!)), `${victim} started from the older snapshot`);
  for (const id of cluster.ids) {
    assert.match(await cluster.nodeLog(id), /restoring from a snapshot and the log after it/, `${id} restarted from a snapshot`);
    await waitFor(async () => (await client.range({ prefix: '', countOnly: true, serializable: true, nodeId: id }).catch(() => null))?.count === before.length, 10_000);
  }
  assert.equal(await dump(victim), before);
  const st = await client.clusterStatus();
  assert.ok(st.members.every((m) => (m.status?.revision ?? 0) >= revision), 'no node went back in revision');
});

/** Runs tools/compact.ts on a node directory: exit code and output. */
function compactTool(dir: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'tools/compact.ts', dir], { cwd: REPO_ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

test('the compact tool refuses a running node, shrinks a stopped one, and the node starts from it', async () => {
  const leader = await waitForLeader(client);
  const target = cluster.ids.find((id) => id !== leader)!;
  const refused = await compactTool(nodeDir(target));
  assert.is(refused.code, 3, refused.out);
  assert.match(refused.out, new RegExp(`refusing to compact: .*pid ${cluster.nodes.get(target)!.child.pid}`));

  await pipelinedPuts(3000, 64, (i) => `compact/${i % 500}`, (i) => `c${i}`); // a log tail the last snapshot does not cover
  const before = await dump();
  await cluster.nodes.get(target)!.stop();
  const done = await compactTool(nodeDir(target));
  assert.is(done.code, 0, done.out);
  const totals = [...done.out.matchAll(/total:\s+(\d+) -> (\d+) bytes/g)][0];
  assert.ok(totals && Number(totals[2]) < Number(totals[1]), `the directory shrank: ${done.out}`);
  assert.match(done.out, /snapshot: .*\.snap \(index \d+/);

  cluster.startNode(target);
  await waitFor(async () => (await client.range({ prefix: '', countOnly: true, serializable: true, nodeId: target }).catch(() => null))?.count === before.length, 15_000);
  assert.equal(await dump(target), before);
});

test.run();

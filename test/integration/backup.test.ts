// Backup and restore (the etcd workflow), through the CLI: `keel snapshot save` from a running
// cluster, `keel snapshot restore` into the directories of a new cluster, which then starts with
// identical keys and revisions and keeps serving writes.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type KeelClient } from '../../src/client/index.js';
import { REPO_ROOT, spawnNode, startLocalCluster, type LocalCluster, type NodeProcess } from '../../src/node/local-cluster.js';
import { waitForLeader } from './helpers.js';

const test = suite('integration: backup and restore');
let cluster: LocalCluster;
let client: KeelClient;
let work: string;
const restored: NodeProcess[] = [];
let restoredClient: KeelClient | undefined;

test.before(async () => {
  cluster = await startLocalCluster({ size: 3, logLevel: 'info', nodeArgs: ['--snapshot-every-entries', '1000000', '--snapshot-log-bytes', '16384', '--retain-entries', '100'] });
  client = await connect({ servers: cluster.nats.url, deadlineMs: 30_000 });
  work = await mkdtemp(path.join(tmpdir(), 'keel-backup-'));
  await waitForLeader(client);
});

test.after(async () => {
  await restoredClient?.close();
  await Promise.all(restored.map((n) => n.stop()));
  await client?.close();
  await cluster?.stop();
  await rm(work, { recursive: true, force: true });
});

function keel(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

type Row = [string, string, number, number, number];
async function dump(c: KeelClient): Promise<{ rows: Row[]; revision: number }> {
  const r = await c.range({ prefix: '' });
  return { rows: r.kvs.map((kv): Row => [kv.keyString, kv.valueString, kv.createRevision, kv.modRevision, kv.version]), revision: r.header.revision };
}

test('save from a running cluster, restore into a new one: identical keys and revisions', async () => {
  for (let i = 0; i < 1200; i += 100) { // versions > 1; snapshots taken meanwhile
    await Promise.all(Array.from({ length: 100 }, (_, j) => client.put(`cfg/${(i + j) % 400}`, `v${i + j}`)));
  }
  await client.delete({ prefix: 'cfg/1' });
  // The entry count never reaches --snapshot-every-entries: the log-size trigger took the snapshots.
  const snaps = await readdir(path.join(cluster.dataDir, 'default', 'n1', 'snap')).catch(() => [] as string[]);
  assert.ok(snaps.some((n) => n.endsWith('.snap')), `snapshots by log size: ${snaps.join(', ')}`);
  const before = await dump(client);
  const file = path.join(work, 'backup.snap');

  const saved = await keel(['snapshot', 'save', file, '--servers', cluster.nats.url, '--json']);
  assert.is(saved.code, 0, saved.err);
  const info = JSON.parse(saved.out) as { revision: number; keys: number; index: number };
  assert.is(info.revision, before.revision, 'the backup holds every write acknowledged before it');
  assert.is(info.keys, before.rows.length);
  // No silent overwrite: saving over an existing file is refused without --force, and done with it.
  const existing = path.join(work, 'existing.snap');
  await writeFile(existing, 'keep me');
  const refused = await keel(['snapshot', 'save', existing, '--servers', cluster.nats.url]);
  assert.is(refused.code, 1);
  assert.is(refused.err, `keel: InvalidArgument: ${existing} exists; pass --force to replace it\n`);
  assert.is(await readFile(existing, 'utf8'), 'keep me');
  assert.is((await keel(['snapshot', 'save', existing, '--force', '--servers', cluster.nats.url])).code, 0);
  assert.ok((await readFile(existing)).length > 100);

  const dataB = path.join(work, 'b');
  const ids = ['r1', 'r2', 'r3'];
  for (const id of ids) {
    const r = await keel(['snapshot', 'restore', file, '--data', dataB, '--id', id, '--peers', ids.join(','), '--cluster', 'restored']);
    assert.is(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`restored .*${id}: snapshot index ${info.index}`));
  }
  // A second restore into a directory that holds data is refused.
  const again = await keel(['snapshot', 'restore', file, '--data', dataB, '--id', 'r1', '--peers', ids.join(','), '--cluster', 'restored']);
  assert.is.not(again.code, 0);
  assert.match(again.err, /already holds data/);

  for (const id of ids) {
    restored.push(spawnNode({ id, peers: ids, servers: cluster.nats.url, dataDir: dataB, cluster: 'restored', logFile: path.join(work, `${id}.log`) }));
  }
  restoredClient = await connect({ servers: cluster.nats.url, cluster: 'restored', deadlineMs: 30_000 });
  await waitForLeader(restoredClient);
  const after = await dump(restoredClient);
  assert.equal(after.rows, before.rows);
  assert.is(after.revision, before.revision);
  const put = await restoredClient.put('after/restore', 'ok');
  assert.is(put.header.revision, before.revision + 1, 'revisions continue from the backup');
});

test.run();

// The snapshot policy counts a batch entry once per write in it: concurrent writes share log
// entries, yet a node still snapshots after --snapshot-every-entries writes.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type KeelClient } from '../../src/client/index.js';
import { startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { waitFor } from '../helpers/wait.js';
import { waitForLeader } from './helpers.js';

const test = suite('integration: snapshots count writes');
let cluster: LocalCluster;
let client: KeelClient;

test.before(async () => {
  // The log-size trigger is out of reach: only the entry count can take a snapshot here.
  cluster = await startLocalCluster({ size: 1, logLevel: 'info', nodeArgs: ['--snapshot-every-entries', '1000', '--snapshot-log-bytes', String(1024 ** 3)] });
  client = await connect({ servers: cluster.nats.url, deadlineMs: 30_000 });
  await waitForLeader(client);
});

test.after(async () => {
  await client?.close();
  await cluster?.stop();
});

test('1,200 writes made 100 at a time (a few dozen log entries) take a snapshot at 1,000', async () => {
  for (let i = 0; i < 1200; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => client.put(`w/${i + j}`, 'x')));
  }
  const status = await client.status();
  assert.ok(status.lastIndex < 300, `the writes shared entries: last index ${status.lastIndex}`);
  const snapDir = path.join(cluster.dataDir, 'default', 'n1', 'snap');
  await waitFor(async () => (await readdir(snapDir).catch(() => [] as string[])).some((f) => f.endsWith('.snap')), 10_000, 100);
});

test.run();

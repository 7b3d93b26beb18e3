// Failing disks and lost leaders, against real processes: a leader whose disk fails (the disk
// failpoint) leaves and exits non-zero while the others elect a new leader and go on committing;
// a node cut off from every leader refuses serializable reads (NoLeader), ends its watches and says
// it knows no leader, and serves again once the leader is back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { connect as natsConnect, createInbox, type NatsConnection } from 'nats';
import { connect, type KeelClient } from '../../src/client/index.js';
import { decodeResponse, encodeRequest } from '../../src/codec/index.js';
import type { ApiResponse, RequestBody } from '../../src/codec/types.js';
import { DISK_FAILPOINT_FILE } from '../../src/node/disk-failpoint.js';
import { EXIT_STORAGE_FAILED } from '../../src/node/failure-exit.js';
import { startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { subjectFor } from '../../src/transport/subjects.js';
import { watchAckCodec, watchAckSubject, watchMessageCodec, type WatchMessage } from '../../src/transport/watch-messages.js';
import { waitFor, waitForLeader } from './helpers.js';

async function ask(nc: NatsConnection, nodeId: string, body: RequestBody): Promise<ApiResponse> {
  const type = body.type as Parameters<typeof subjectFor>[1];
  const msg = await nc.request(subjectFor('default', type, nodeId), encodeRequest({ requestId: null, body }), { timeout: 10_000 });
  return decodeResponse(msg.data);
}

async function withCluster(fn: (c: LocalCluster, client: KeelClient, nc: NatsConnection) => Promise<void>): Promise<void> {
  const cluster = await startLocalCluster({ size: 3, logLevel: 'info', env: { KEEL_FAILPOINTS: '1' } });
  const client = await connect({ servers: cluster.nats.url, deadlineMs: 30_000 });
  const nc = await natsConnect({ servers: cluster.nats.url });
  try {
    await fn(cluster, client, nc);
  } finally {
    await nc.close();
    await client.close();
    await cluster.stop();
  }
}

test('a leader whose disk fails exits non-zero, is never shown as leader again, and the cluster goes on', () =>
  withCluster(async (cluster, client) => {
    const leader = await waitForLeader(client);
    await client.put('before', '1');
    const nodeDir = path.join(cluster.dataDir, 'default', leader);
    await writeFile(path.join(nodeDir, DISK_FAILPOINT_FILE), 'eio');
    // The next write makes the leader append and fsync: that fails, the leader leaves and exits;
    // the client's retries reach the new leader.
    await client.put('after', '2');
    const code = await cluster.nodes.get(leader)!.exited;
    assert.is(code, EXIT_STORAGE_FAILED);
    const log = await cluster.nodeLog(leader);
    assert.match(log, /storage failed; leaving every subscription/);
    assert.match(log, /EIO/);
    const st = await client.clusterStatus();
    const failed = st.members.find((m) => m.id === leader);
    assert.ok(failed && !failed.status, 'the failed node answers nothing');
    assert.ok(st.members.some((m) => m.id !== leader && m.status?.role === 'leader'), 'another node leads');
    assert.is((await client.get('after'))?.value.toString(), '2');
    await client.put('later', '3');
  }));

test('a node that hears from no leader refuses serializable reads, ends its watches, and recovers', () =>
  withCluster(async (cluster, client, nc) => {
    const leader = await waitForLeader(client);
    const lonely = cluster.ids.find((id) => id !== leader)!;
    await client.put('k', 'v');
    await waitFor(async () => (await ask(nc, lonely, { type: 'range', key: Buffer.from('k'), rangeEnd: new Uint8Array(0), limit: 0, keysOnly: false, countOnly: false, serializable: true })).body?.type === 'range', 10_000);

    // A watch on the lonely node, acknowledged so it is not freed as a gone client.
    const inbox = createInbox();
    const messages: WatchMessage[] = [];
    const sub = nc.subscribe(inbox, { callback: (_err, m) => messages.push(watchMessageCodec.decode(m.data)) });
    const created = await ask(nc, lonely, { type: 'watchCreate', watchId: 'w-lonely', key: Buffer.from('k'), rangeEnd: new Uint8Array(0), startRevision: 0, prevKv: false, deliverTo: inbox });
    assert.is(created.error, null);
    const acker = setInterval(() => nc.publish(watchAckSubject('default', lonely), watchAckCodec.encode({ acks: [{ watchId: 'w-lonely', revision: 0 }] })), 500);

    const others = cluster.ids.filter((id) => id !== lonely).map((id) => cluster.nodes.get(id)!.child);
    for (const child of others) child.kill('SIGSTOP');
    try {
      const read = { type: 'range', key: Buffer.from('k'), rangeEnd: new Uint8Array(0), limit: 0, keysOnly: false, countOnly: false, serializable: true } as const;
      await waitFor(async () => (await ask(nc, lonely, read)).error?.code === 'NoLeader', 15_000);
      await waitFor(() => messages.some((m) => m.body.type === 'cancelled' && m.body.reason === 'noLeader'), 15_000);
      const status = await ask(nc, lonely, { type: 'status' });
      assert.is(status.body?.type === 'status' ? status.body.leader : 'not a status', '');
    } finally {
      for (const child of others) child.kill('SIGCONT');
      clearInterval(acker);
      sub.unsubscribe();
    }
    await waitForLeader(client);
    const read = { type: 'range', key: Buffer.from('k'), rangeEnd: new Uint8Array(0), limit: 0, keysOnly: false, countOnly: false, serializable: true } as const;
    await waitFor(async () => (await ask(nc, lonely, read)).error === null, 20_000);
  }));

test.run();

// A secured cluster (what keel dev runs): nats-server enforces the node/client/admin identities that
// keel nats-config writes, and nodes MAC their Raft batches. An anonymous connection is a client: it
// reads, writes and watches, but sees no Raft traffic, cannot publish on Raft or admin subjects, and
// `keel member remove` fails at once with PermissionDenied; with the admin identity it works. Forged
// Raft batches (no MAC, a wrong key, a lying sender) change nothing and are counted in the log.
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as natsConnect, nkeyAuthenticator, type NatsConnection } from 'nats';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type KeelClient } from '../../src/client/index.js';
import { KeelError } from '../../src/codec/errors.js';
import { startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { raftBatchCodec } from '../../src/node/raft-codec.js';
import { blankMessage } from '../../src/raft/types.js';
import { RaftAuth } from '../../src/transport/raft-auth.js';
import { runCli } from '../helpers/processes.js';
import { take, waitFor, waitForLeader } from './helpers.js';

const test = suite('integration: security');
let cluster: LocalCluster;
let client: KeelClient;

test.before(async () => {
  cluster = await startLocalCluster({ size: 3, logLevel: 'warn', secure: true, nodeArgs: ['--metrics-addr', '127.0.0.1:0'] });
  client = await connect({ servers: cluster.nats.url, deadlineMs: 20_000 }); // no credentials: the client identity
  await waitForLeader(client);
});

test.after(async () => {
  await client?.close();
  await cluster?.stop();
});

async function asNode(): Promise<NatsConnection> {
  const seed = (await readFile(cluster.security!.seeds.node, 'utf8')).trim();
  return natsConnect({ servers: cluster.nats.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) });
}

async function terms(): Promise<Map<string, number>> {
  const st = await client.clusterStatus();
  return new Map(st.members.map((m) => [m.id, m.status?.term ?? -1]));
}

test('an anonymous client reads, writes and watches', async () => {
  const watch = client.watch({ prefix: 'sec/' });
  await watch.ready;
  await client.put('sec/a', '1');
  const [ev] = await take(watch, 1);
  assert.is(ev.kv.valueString, '1');
  await watch.cancel();
  assert.is((await client.get('sec/a'))?.valueString, '1');
});

test('an anonymous connection receives no Raft traffic and cannot publish on Raft or admin subjects', async () => {
  const nc = await natsConnect({ servers: cluster.nats.url });
  try {
    let received = 0;
    let subError: Error | null = null;
    nc.subscribe('keel.default.raft.>', { callback: (err) => { if (err) subError = err; else received++; } });
    nc.subscribe('keel.>', { callback: (err) => { if (!err) received++; } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.put(`sec/traffic/${i}`, 'x')));
    await waitFor(() => subError !== null, 5000, 20);
    assert.match(String(subError), /Permissions Violation for Subscription/);
    assert.is(received, 0);

    for (const subject of ['keel.default.raft.n1', 'keel.default.admin.memberRemove', 'keel.default.admin.compact']) {
      const err = await nc.request(subject, new Uint8Array([1]), { timeout: 5000 }).then(() => null, (e: Error) => e);
      assert.match(String(err), /Permissions Violation for Publish/, subject);
    }
  } finally {
    await nc.close();
  }
});

test('keel member remove without the admin identity fails at once; with it, it works', async () => {
  const servers = ['--servers', cluster.nats.url];
  const started = Date.now();
  const denied = await runCli(['member', 'remove', 'n3', ...servers]);
  assert.is(denied.code, 1, denied.stderr);
  assert.match(denied.stderr, /keel: PermissionDenied: .*keel\.default\.admin\.memberRemove.*admin identity/);
  assert.ok(Date.now() - started < 12_000, 'refused, not timed out');
  assert.ok((await client.members()).members.some((m) => m.id === 'n3'), 'n3 is still a member');

  const compact = await client.compact(1).then(() => null, (e: unknown) => e);
  assert.ok(compact instanceof KeelError && compact.code === 'PermissionDenied', String(compact));

  const ok = await runCli(['member', 'remove', 'n3', ...servers], { env: { KEEL_NKEY: cluster.security!.seeds.admin } });
  assert.is(ok.code, 0, ok.stderr);
  await waitFor(async () => !(await client.members()).members.some((m) => m.id === 'n3'), 10_000);
  await cluster.nodes.get('n3')!.stop(); // a removed node is stopped afterwards (it would still answer api requests)
  await client.put('sec/after-remove', 'y'); // two voters still commit
});

test('forged Raft batches (no MAC, wrong key, lying sender) change nothing', async () => {
  const before = await terms();
  const leader = (await client.members()).leader;
  const target = ['n1', 'n2'].find((id) => id !== leader)!;
  const nc = await asNode(); // even an identity allowed on the Raft subjects cannot forge without the key
  try {
    const forged = (from: string) => raftBatchCodec.encode({
      from, messages: [{ ...blankMessage('heartbeat', from, target, 1_000_000), commit: 1_000_000 }],
    });
    const realKey = await readFile(cluster.security!.clusterKey);
    const wrongKey = new RaftAuth(randomBytes(32), 'default');
    const liar = new RaftAuth(Buffer.from(realKey.toString('latin1').trim(), 'latin1'), 'default');
    for (let i = 0; i < 50; i++) {
      nc.publish(`keel.default.raft.${target}`, forged(leader)); // no MAC
      nc.publish(`keel.default.raft.${target}`, wrongKey.seal(leader, target, forged(leader)));
      nc.publish(`keel.default.raft.${target}`, liar.seal('n3', 'n1', forged(leader))); // addressed to n1, sent to another node
      // Signed as n3 (the key is right) but the messages claim to be from the leader.
      nc.publish(`keel.default.raft.${target}`, liar.seal('n3', target, forged(leader)));
    }
    await nc.flush();
    await waitFor(async () => {
      const log = await cluster.nodeLog(target);
      return /dropping an unauthenticated raft batch/.test(log);
    }, 10_000);
  } finally {
    await nc.close();
  }
  await client.put('sec/after-forgery', 'z');
  const after = await terms();
  for (const id of ['n1', 'n2']) assert.is(after.get(id), before.get(id), `term of ${id}`);
  assert.is((await client.members()).leader, leader);
  assert.is((await client.get('sec/after-forgery', { nodeId: target }))?.valueString, 'z');
  const { metricsUrl } = await client.status({ nodeId: target });
  const metrics = await (await fetch(new URL('/metrics', metricsUrl))).text();
  const rejected = [...metrics.matchAll(/^keel_raft_rejected_batches_total\{reason="\w+"\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  assert.is(rejected, 200, 'every forged batch (4 kinds x 50, all published to the target) is counted');
  const log = await cluster.nodeLog(target);
  assert.ok(log.split('\n').filter((l) => /unauthenticated raft batch/.test(l)).length <= 2, 'rejections are logged at a bounded rate');
});

test('the node identity is never refused anything a node does (serving, Raft, the placement controller)', async () => {
  for (const id of cluster.ids) {
    const log = await cluster.nodeLog(id);
    assert.not.match(log, /does not let this connection|Permissions Violation|PermissionDenied/, `${id}: ${log.slice(-1500)}`);
  }
});

test('keel nats-config writes seeds and a key readable by the owner only, and the auth block', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'keel-nats-config-'));
  try {
    const r = await runCli(['nats-config', '--out', dir, '--cluster', 'prod']);
    assert.is(r.code, 0, r.stderr);
    for (const f of ['node.nk', 'client.nk', 'admin.nk', 'cluster.key']) {
      assert.is((await stat(path.join(dir, f))).mode & 0o777, 0o600, f);
    }
    const conf = await readFile(path.join(dir, 'nats-auth.conf'), 'utf8');
    assert.match(conf, /"keel\.prod\.admin\.>"/);
    assert.not.match(conf, /no_auth_user/);
    // Public keys only: no seed (a whole token "SU" + base32). Unanchored, the pattern also matched
    // a public user key ("U..." + 55 characters) that happens to hold "SU" near its start (~1% of runs).
    assert.not.match(conf, /\bSU[A-Z2-7]{50,}/);
    assert.match(conf, /\bU[A-Z2-7]{55}\b/, 'the users are there, by public key');
    const again = await runCli(['nats-config', '--out', dir, '--cluster', 'prod']);
    assert.is(again.code, 0);
    assert.is(await readFile(path.join(dir, 'nats-auth.conf'), 'utf8'), conf, 'seeds are kept: the same users');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();

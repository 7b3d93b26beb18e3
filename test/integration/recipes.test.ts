// Locks, elections and sessions against a real cluster. KEEL_LOCK_ROUNDS sets the rounds per client
// of the mutual-exclusion test (`npm run test:locks` runs the full 20 clients x 500 rounds).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CancelledError, NotLeaderError, connect, type KeelClient, type LeaderInfo } from '../../src/client/index.js';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { CLI_MAIN, runCli, spawnTs } from '../helpers/processes.js';
import { useCluster, waitFor, waitForLeader } from './helpers.js';

const test = suite('integration: coordination recipes');
let cluster: LocalCluster;
let client: KeelClient;
useCluster(test, { logLevel: 'warn', nodeArgs: ['--election-tick-ms', '50'] }, (shared) => ({ cluster, client } = shared));

const ROUNDS = Number(process.env.KEEL_LOCK_ROUNDS ?? 10);
const CLIENTS = 20;
const ELECTION_TIMEOUT_MS = 10 * 50;

/** Each client takes the lock `rounds` times and increments a shared counter non-atomically inside it. */
async function lockRounds(name: string, clients: KeelClient[], rounds: number, onRound?: (n: number) => void): Promise<number[]> {
  let holders = 0;
  let acquired = 0;
  const tokens: number[] = [];
  await Promise.all(clients.map(async (c) => {
    const session = await c.session({ ttlMs: 5000 });
    for (let r = 0; r < rounds; r++) {
      const held = await c.lock(name, { session });
      holders++;
      assert.is(holders, 1, 'never two holders at once');
      tokens.push(held.fencingToken);
      const counter = Number((await c.get(`/counters/${name}`))?.valueString ?? '0');
      await c.put(`/counters/${name}`, String(counter + 1));
      holders--;
      await held.unlock();
      onRound?.(++acquired);
    }
    await session.close();
  }));
  return tokens;
}

function assertIncreasing(tokens: number[]): void {
  for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!, `fencing tokens grow: ${tokens[i - 1]} then ${tokens[i]}`);
}

test(`${CLIENTS} clients x ${ROUNDS} lock rounds: one holder at a time, no lost increment, fencing tokens only grow`, async () => {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connect({ servers: cluster.nats.url, deadlineMs: 30_000 })));
  try {
    const tokens = await lockRounds('counter', clients, ROUNDS);
    assert.is((await client.get('/counters/counter'))?.valueString, String(CLIENTS * ROUNDS));
    assert.is(tokens.length, CLIENTS * ROUNDS);
    assertIncreasing(tokens);
    assert.is((await client.range({ prefix: '/keel/locks/counter/' })).kvs.length, 0, 'no key left behind');
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});

test('waiters acquire in the order they queued', async () => {
  const first = await client.lock('fifo');
  const order: string[] = [];
  const waiting: Promise<void>[] = [];
  for (const who of ['b', 'c', 'd']) {
    const queued = (await client.range({ prefix: '/keel/locks/fifo/' })).kvs.length;
    waiting.push(client.lock('fifo').then(async (held) => {
      order.push(who);
      await held.unlock();
    }));
    await waitFor(async () => (await client.range({ prefix: '/keel/locks/fifo/' })).kvs.length === queued + 1, 5000, 20);
  }
  await first.unlock();
  await Promise.all(waiting);
  assert.equal(order, ['b', 'c', 'd']);
});

test('tryLock gives up after its timeout and leaves no key; an AbortSignal cancels a wait', async () => {
  const held = await client.lock('try');
  assert.is(await client.tryLock('try', { timeoutMs: 200 }), null);
  const abort = new AbortController();
  const waiting = client.lock('try', { signal: abort.signal });
  setTimeout(() => abort.abort(), 100);
  try {
    await waiting;
    assert.unreachable('aborted');
  } catch (err) {
    assert.instance(err, CancelledError);
  }
  assert.is((await client.range({ prefix: '/keel/locks/try/' })).kvs.length, 1, 'only the holder\'s key');
  await held.unlock();
  const again = await client.tryLock('try', { timeoutMs: 1000 });
  assert.ok(again);
  await again.unlock();
});

test('a holder whose process is killed is replaced within its TTL plus an election timeout', async () => {
  const ttlMs = 2000;
  const holder = spawnTs(CLI_MAIN, ['lock', 'crash', '--ttl', String(ttlMs), '--servers', cluster.nats.url]);
  await holder.waitFor(/locked crash/, 20_000);
  const waiting = client.lock('crash');
  await waitFor(async () => (await client.range({ prefix: '/keel/locks/crash/' })).kvs.length === 2, 5000, 20);
  const killedAt = Date.now();
  holder.child.kill('SIGKILL');
  const held = await waiting;
  const took = Date.now() - killedAt;
  assert.ok(took <= ttlMs + ELECTION_TIMEOUT_MS + 500, `replaced after ${took} ms (TTL ${ttlMs} ms)`);
  await held.unlock();
});

test('keel lock runs a command while holding the lock and exits with its code', async () => {
  const ok = await runCli(['lock', 'cmd', '--servers', cluster.nats.url, '--', process.execPath, '-e', 'console.log("token=" + process.env.KEEL_FENCING_TOKEN)']);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /token=\d+/);
  const failed = await runCli(['lock', 'cmd', '--servers', cluster.nats.url, '--', process.execPath, '-e', 'process.exit(3)']);
  assert.is(failed.code, 3);
  assert.is((await client.range({ prefix: '/keel/locks/cmd/' })).kvs.length, 0, 'released after the command');
});

test('elections: one leader at a time; observers see every change in order; a paused leader loses and learns it', async () => {
  const election = client.election('ctl');
  const seen: LeaderInfo[] = [];
  const observer = election.observe();
  const observing = (async () => { for await (const l of observer) seen.push(l); })();
  const c1 = await election.campaign('one', { ttlMs: 3000 });
  let c2Elected = false;
  const c2 = election.campaign('two', { ttlMs: 3000 }).then((l) => { c2Elected = true; return l; });
  await c1.proclaim('one-b');
  await waitFor(() => seen.length === 2, 5000, 20);
  assert.not.ok(c2Elected, 'two waits while one leads');
  assert.equal((await election.leader())?.value, 'one-b');
  await c1.resign();
  const second = await c2;
  try {
    await c1.proclaim('stale');
    assert.unreachable('a resigned leader cannot proclaim');
  } catch (err) {
    assert.instance(err, NotLeaderError);
  }

  // A leader paused past its TTL (SIGSTOP) loses to the next candidate; resumed, it learns it and exits 1.
  const paused = spawnTs(CLI_MAIN, ['elect', 'ctl', 'three', '--ttl', '1500', '--servers', cluster.nats.url]);
  await waitFor(async () => (await client.range({ prefix: '/keel/elections/ctl/' })).kvs.length === 2, 20_000, 50);
  await second.resign();
  await paused.waitFor(/elected in ctl as three/, 20_000);
  const fourth = election.campaign('four', { ttlMs: 3000 });
  await waitFor(async () => (await client.range({ prefix: '/keel/elections/ctl/' })).kvs.length === 2, 5000, 20);
  paused.child.kill('SIGSTOP');
  const four = await fourth;
  const exited = paused.child.exitCode !== null ? Promise.resolve(paused.child.exitCode) : new Promise((r) => paused.child.once('exit', r));
  paused.child.kill('SIGCONT');
  assert.is(await exited, 1, 'the resumed ex-leader exits 1');
  assert.match(paused.output(), /SessionLost/);
  await waitFor(() => seen.length === 5, 5000, 20);
  await observer.cancel();
  await observing;
  assert.equal(seen.map((l) => l.value), ['one', 'one-b', 'two', 'three', 'four']);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.revision >= seen[i - 1]!.revision, 'leaders in revision order');
  await four.resign();
});

test('lock rounds go on through a Keel leader kill, still one holder at a time', async () => {
  const clients = await Promise.all(Array.from({ length: 5 }, () => connect({ servers: cluster.nats.url, deadlineMs: 30_000 })));
  const leader = await waitForLeader(client);
  let killed = false;
  try {
    const tokens = await lockRounds('failover', clients, 10, (n) => {
      if (n === 15 && !killed) {
        killed = true;
        cluster.nodes.get(leader)!.child.kill('SIGKILL');
      }
    });
    assert.ok(killed);
    assert.is((await client.get('/counters/failover'))?.valueString, '50');
    assertIncreasing(tokens);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    cluster.startNode(leader);
    await waitForLeader(client);
  }
});

test.run();

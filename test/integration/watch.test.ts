// Watches against a real three-node cluster: history then live events, failover of the serving node
// without gap or duplicate, progress on idle watches, 1,000 watchers on one prefix, Compacted, and
// `keel watch`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KeelClient, Watch, WatchEventView } from '../../src/client/index.js';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { runCli } from '../helpers/processes.js';
import { take, useCluster, waitFor, waitForLeader } from './helpers.js';

const test = suite('integration: watch');
let cluster: LocalCluster;
let client: KeelClient;
useCluster(test, { logLevel: 'warn', nodeArgs: ['--election-tick-ms', '20'] }, (shared) => ({ cluster, client } = shared));

const summary = (evs: WatchEventView[]) => evs.map((e) => `${e.revision} ${e.type} ${e.kv.keyString}=${e.kv.valueString}`);

test('a watch from an old revision sees exactly the events since, then live ones', async () => {
  const expected: string[] = [];
  let from = 0;
  for (let i = 0; i < 10; i++) {
    const r = await client.put(`old/${i}`, `v${i}`);
    await client.put(`other/${i}`, 'x'); // not under the prefix: never delivered
    if (i === 4) from = r.header.revision;
    if (i >= 4) expected.push(`${r.header.revision} put old/${i}=v${i}`);
  }
  const watch = client.watch({ prefix: 'old/' }, { startRevision: from, prevKv: true });
  await watch.ready;
  const replayed = await take(watch, 6);
  assert.equal(summary(replayed), expected);
  const live1 = await client.put('old/3', 'again');
  const live2 = await client.delete('old/4');
  const live = await take(watch, 2);
  assert.equal(summary(live), [`${live1.header.revision} put old/3=again`, `${live2.header.revision} delete old/4=`]);
  assert.is(live[0]!.prevKv?.valueString, 'v3');
  assert.is(live[1]!.prevKv?.valueString, 'v4');
  await watch.cancel();
  assert.equal(await watch.next(), { value: undefined, done: true });
});

test('an idle watch gets progress notifications at the current revision', async () => {
  const seen: number[] = [];
  const watch = client.watch('idle/key', { onProgress: (r) => seen.push(r) });
  await watch.ready;
  const r = await client.put('idle/other', 'x');
  await waitFor(() => seen.some((rev) => rev >= r.header.revision), 4000, 50);
  assert.ok(watch.revision >= r.header.revision);
  await watch.cancel();
});

test('the serving node killed mid-stream: the watch continues on another node, no gap, no duplicate', async () => {
  const start = (await client.put('fo/start', '0')).header.revision;
  const watch = client.watch({ prefix: 'fo/' }, { startRevision: start });
  await watch.ready;
  const victim = watch.servingNode;
  assert.ok(victim !== '');
  const written: string[] = [`${start} put fo/start=0`];
  const writer = (async () => {
    for (let i = 0; i < 150; i++) {
      const r = await client.put(`fo/${i % 7}`, `v${i}`);
      written.push(`${r.header.revision} put fo/${i % 7}=v${i}`);
      if (i === 40) {
        cluster.nodes.get(victim)!.child.kill('SIGKILL');
        await cluster.nodes.get(victim)!.exited;
      }
    }
  })();
  const events = await take(watch, 151, 25_000);
  await writer;
  assert.is.not(watch.servingNode, victim, 'resumed on another node');
  assert.equal(summary(events), written);
  // Nothing more than what was written (no duplicate arrives late).
  const extra = await client.put('fo/end', 'x');
  assert.equal(summary(await take(watch, 1)), [`${extra.header.revision} put fo/end=x`]);
  await watch.cancel();
  cluster.startNode(victim);
  await waitForLeader(client);
});

test('the serving node stopped gracefully: the watch moves at once (nodeStopping), no gap, no duplicate', async () => {
  const start = (await client.put('gs/start', '0')).header.revision;
  const watch = client.watch({ prefix: 'gs/' }, { startRevision: start });
  await watch.ready;
  const node = watch.servingNode;
  assert.equal(summary(await take(watch, 1)), [`${start} put gs/start=0`]);
  const stopping = cluster.nodes.get(node)!.stop('SIGTERM');
  const t0 = Date.now();
  await waitFor(() => watch.servingNode !== node, 2500, 20); // well before the 3 s silence timeout
  const movedIn = Date.now() - t0;
  await stopping;
  const written: string[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await client.put(`gs/${i}`, `v${i}`);
    written.push(`${r.header.revision} put gs/${i}=v${i}`);
  }
  assert.equal(summary(await take(watch, 10)), written);
  assert.ok(movedIn < 2500, `moved after ${movedIn} ms`);
  await watch.cancel();
  cluster.startNode(node);
  await waitForLeader(client);
});

test('1,000 concurrent watchers on one prefix all receive every event', async () => {
  const watches = Array.from({ length: 1000 }, () => client.watch({ prefix: 'fan/' }));
  await Promise.all(watches.map((w) => w.ready));
  const written: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await client.put(`fan/${i}`, `v${i}`);
    written.push(`${r.header.revision} put fan/${i}=v${i}`);
  }
  const all = await Promise.all(watches.map((w) => take(w, 20, 20_000)));
  for (const evs of all) assert.equal(summary(evs), written);
  await Promise.all(watches.map((w) => w.cancel()));
});

test('keel watch --prefix --rev prints the history then exits after --count', async () => {
  const a = await client.put('cli/a', '1');
  await client.delete('cli/a');
  const r = await runCli(['watch', 'cli/', '--prefix', '--rev', String(a.header.revision), '--count', '2', '--servers', cluster.nats.url]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'PUT\ncli/a\n1\nDELETE\ncli/a\n');
  const prev = await runCli(['watch', 'cli/a', '--rev', String(a.header.revision), '--count', '2', '--prev-kv', '--servers', cluster.nats.url]);
  assert.is(prev.stdout, 'PUT\ncli/a\n1\nprevious value: (none)\nDELETE\ncli/a\nprevious value: 1\n', prev.stderr);
  const j = await runCli(['watch', 'cli/a', '--rev', String(a.header.revision), '--count', '1', '--json', '--servers', cluster.nats.url]);
  const ev = JSON.parse(j.stdout);
  assert.is(ev.type, 'put');
  assert.is(ev.revision, a.header.revision);
  assert.is(ev.kv.value, '1');
});

test('a compacted start revision answers Compacted with the compact revision', async () => {
  await client.put('cmp/a', '1');
  const at = (await client.put('cmp/a', '2')).header.revision;
  await client.compact(at);
  const watch = client.watch('cmp/a', { startRevision: at - 1 });
  try {
    await watch.ready;
    assert.unreachable('the watch should have failed');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'Compacted');
    assert.is((err as { revision?: number }).revision, at);
  }
  const next = await watch.next().then(() => null, (err: Error) => err);
  assert.match(String(next?.message), /has been compacted/);
  // From the compact revision itself it works.
  const ok = client.watch('cmp/a', { startRevision: at });
  assert.equal(summary(await take(ok, 1)), [`${at} put cmp/a=2`]);
  await ok.cancel();
  const cli = await runCli(['watch', 'cmp/a', '--rev', '1', '--servers', cluster.nats.url]);
  assert.is(cli.code, 1);
  assert.match(cli.stderr, /^keel: Compacted: /);
});

test.run();

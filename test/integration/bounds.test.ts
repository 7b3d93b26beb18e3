// Bounded replies through a real cluster (issue #9 item 4): 3,000 keys of 1 KiB under big/ are more
// than one NATS message can carry. Ranges come back whole, page by page at one revision (client and
// CLI); a delete of all of them with prevKv answers success with the prevKvs left out and marked;
// the history can still be read at a past revision.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KeelClient } from '../../src/client/index.js';
import { op } from '../../src/client/index.js';
import type { KeelError } from '../../src/codec/errors.js';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { runCli } from '../helpers/processes.js';
import { useCluster } from './helpers.js';

const test = suite('integration: bounded replies and reads at a revision');
let cluster: LocalCluster;
let client: KeelClient;
// A small page budget makes every range below take many pages.
useCluster(test, { logLevel: 'warn', nodeArgs: ['--range-page-bytes', '262144'] }, (shared) => ({ cluster, client } = shared));

const KEYS = 3000;
const VALUE = 'v'.repeat(1024);
const keyOf = (i: number) => `big/${String(i).padStart(5, '0')}`;
let written = 0;

test('3,000 keys of 1 KiB: range({ prefix }) returns every key, from one revision', async () => {
  const puts = await Promise.all(Array.from({ length: KEYS }, (_, i) => client.put(keyOf(i), VALUE)));
  written = Math.max(...puts.map((p) => p.header.revision));
  const r = await client.range({ prefix: 'big/' });
  assert.is(r.kvs.length, KEYS);
  assert.is(r.count, KEYS);
  assert.is(r.more, false);
  assert.equal(r.kvs.map((kv) => kv.keyString), Array.from({ length: KEYS }, (_, i) => keyOf(i)));
  assert.ok(r.kvs.every((kv) => kv.value.length === 1024));
  assert.ok(r.header.revision >= written);
});

test('limit still limits, keysOnly and countOnly still work across pages', async () => {
  const limited = await client.range({ prefix: 'big/', limit: 2500 });
  assert.is(limited.kvs.length, 2500);
  assert.is(limited.count, KEYS);
  assert.is(limited.more, true);
  assert.is(limited.kvs[2499]!.keyString, keyOf(2499));
  const keys = await client.range({ prefix: 'big/', keysOnly: true });
  assert.is(keys.kvs.length, KEYS);
  assert.ok(keys.kvs.every((kv) => kv.value.length === 0));
  const counted = await client.range({ prefix: 'big/', countOnly: true });
  assert.is(counted.count, KEYS);
  assert.is(counted.kvs.length, 0);
});

test('keel range --prefix prints all 3,000 keys; --limit limits', async () => {
  const keel = (...args: string[]) => runCli([...args, '--servers', cluster.nats.url], { timeoutMs: 60_000 });
  const all = await keel('range', 'big/', '--prefix', '--json');
  assert.is(all.code, 0, all.stderr);
  const doc = JSON.parse(all.stdout) as { count: number; more: boolean; kvs: { key: string }[] };
  assert.is(doc.kvs.length, KEYS);
  assert.is(doc.count, KEYS);
  assert.is(new Set(doc.kvs.map((kv) => kv.key)).size, KEYS);
  const limited = await keel('range', 'big/', '--prefix', '--keys-only', '--limit', '2100');
  assert.is(limited.code, 0, limited.stderr);
  assert.is(limited.stdout.trim().split('\n').length, 2100);
});

test('reads at a past revision, client and CLI; Compacted below the compaction point, FutureRevision above now', async () => {
  const before = await client.put(keyOf(7), 'changed');
  const old = await client.get(keyOf(7), { revision: before.header.revision - 1 });
  assert.is(old?.value.length, 1024);
  assert.is((await client.get(keyOf(7)))?.valueString, 'changed');
  const cli = await runCli(['get', keyOf(7), '--rev', String(before.header.revision - 1), '--servers', cluster.nats.url]);
  assert.is(cli.code, 0, cli.stderr);
  assert.is(cli.stdout, `${keyOf(7)}\n${VALUE}\n`);
  await client.compact(written);
  const compacted = await client.range({ prefix: 'big/', revision: written - 1 }).catch((e: unknown) => e);
  assert.is((compacted as KeelError).code, 'Compacted', String(compacted));
  assert.is((compacted as KeelError).revision, written);
  const future = await client.get(keyOf(1), { revision: before.header.revision + 1000 }).catch((e: unknown) => e);
  assert.is((future as KeelError).code, 'FutureRevision', String(future));
  const cliOld = await runCli(['get', keyOf(7), '--rev', String(written - 1), '--servers', cluster.nats.url]);
  assert.is.not(cliOld.code, 0);
  assert.match(cliOld.stderr, /compacted/i);
});

test('a txn whose range result would not fit answers success, the range cut and marked', async () => {
  const r = await client.txn({ compare: [], success: [op.range({ prefix: 'big/' }), op.put('txn/marker', 'x')], failure: [] });
  assert.ok(r.succeeded);
  const item = r.responses[0]!;
  assert.is(item.type, 'range');
  if (item.type !== 'range') return;
  assert.is(item.count, KEYS);
  assert.is(item.more, true);
  assert.ok(item.kvs.length < KEYS);
  // The rest is readable at the txn's revision.
  assert.is((await client.range({ prefix: 'big/', revision: r.header.revision })).kvs.length, KEYS);
});

test('delete of 3,000 × 1 KiB with prevKv answers success, prevKvs left out and marked; the keys are gone', async () => {
  const r = await client.delete({ prefix: 'big/' }, { prevKv: true });
  assert.is(r.deleted, KEYS);
  assert.is(r.prevKvsTruncated, true);
  assert.is(r.prevKvs.length, 0);
  assert.is((await client.range({ prefix: 'big/', countOnly: true })).count, 0);
  const before = await client.range({ prefix: 'big/', revision: r.header.revision - 1 });
  assert.is(before.kvs.length, KEYS, 'the deleted key-values are readable at revision - 1');
});

test('a lease TTL below two election timeouts is refused with a clear error', async () => {
  const refused = await client.lease.grant(500).catch((e: unknown) => e);
  assert.is((refused as KeelError).code, 'InvalidArgument', String(refused));
  assert.match((refused as Error).message, /minimum of 2000 ms/);
  const ok = await client.lease.grant(2000);
  assert.ok(ok.id > 0);
});

test.run();

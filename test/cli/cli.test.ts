// The `keel` CLI as a real process against a real nats-server and an in-process ApiServer + fake
// handler: argument parsing, human and JSON output, exit codes and one-line typed errors.
// (Each spawn costs most of a second, so data is seeded in-process and formatting details are unit
// tested in format.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type KeelClient } from '../../src/client/index.js';
import { startNatsServer, type RunningNatsServer } from '../helpers/nats.js';
import { FakeHandler } from '../helpers/fake-handler.js';
import { startFakeNode, type FakeNode } from '../helpers/fake-node.js';
import { runCli, type RunResult } from '../helpers/processes.js';

let nats: RunningNatsServer;
let node: FakeNode<FakeHandler>;
let client: KeelClient;
const members = [{ id: 'n1', role: 'voter' as const }, { id: 'n2', role: 'voter' as const }];

test.before(async () => {
  nats = await startNatsServer();
  node = await startFakeNode(nats.url, new FakeHandler('n1', members, 'n1'));
  client = await connect({ servers: nats.url });
});
test.after(async () => {
  await client?.close();
  await node?.stop();
  await nats?.stop();
});

const keel = (args: string[], stdin?: string): Promise<RunResult> =>
  runCli(['--servers', nats.url, '--timeout', '1500', ...args], { stdin });

function ok(r: RunResult): string {
  assert.is(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

test('put and get: values stay strings ("007"), "-1" after --, a value from stdin; human and --json output', async () => {
  const [put, zeros, negative, piped] = await Promise.all([
    keel(['put', 'greeting', 'hello world']), keel(['put', 'code', '007']), keel(['put', 'neg', '--', '-1']),
    keel(['put', 'piped'], 'from\nstdin'),
  ]);
  assert.is(ok(put), 'OK\n');
  [zeros, negative, piped].forEach(ok);
  assert.is((await client.get('code'))?.valueString, '007');
  assert.is((await client.get('neg'))?.valueString, '-1');
  assert.is((await client.get('piped'))?.valueString, 'from\nstdin');
  const [get, json] = await Promise.all([keel(['get', 'greeting']), keel(['get', 'code', '--json'])]);
  assert.is(ok(get), 'greeting\nhello world\n');
  const doc = JSON.parse(ok(json));
  assert.is(doc.kv.key, 'code');
  assert.is(doc.kv.value, '007');
  assert.is(doc.kv.version, 1);
  assert.is(doc.header.nodeId, 'n1');
});

test('range with --prefix, [key end) with --keys-only and --limit; del --prefix --prev-kv', async () => {
  for (const k of ['app/a', 'app/b', 'app/c']) await client.put(k, `v${k.slice(-1)}`);
  const [all, between] = await Promise.all([
    keel(['range', 'app/', '--prefix']),
    keel(['range', 'app/b', 'app/z', '--keys-only', '--limit', '1']),
  ]);
  assert.is(ok(all), 'app/a\nva\napp/b\nvb\napp/c\nvc\n');
  assert.is(ok(between), 'app/b\n');
  assert.match(between.stderr, /1 of 2 keys shown/);
  const del = await keel(['del', 'app/', '--prefix', '--prev-kv']);
  assert.is(ok(del), '3\napp/a\nva\napp/b\nvb\napp/c\nvc\n');
  assert.is((await client.range({ prefix: 'app/' })).count, 0);
});

test('txn reads the text spec from stdin; a bad spec names the line', async () => {
  await client.put('mode', 'blue');
  const text = 'value("mode") = "blue"\nversion("mode") > 0\n\nput mode green\nget mode\n\nget mode\n';
  const [r, bad] = await Promise.all([keel(['txn'], text), keel(['txn'], 'value("mode") ~ "x"\n')]);
  assert.is(ok(r), 'SUCCESS\n\nOK\n\nmode\ngreen\n');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /^keel: InvalidArgument: txn: compare 1 "value\("mode"\) ~ "x"": expected target/);
});

test('status: a table of every member; an absent member is unreachable', async () => {
  const lines = ok(await keel(['status'])).trim().split('\n');
  assert.match(lines[0], /^ID\s+PID\s+ROLE\s+TERM\s+COMMIT\s+APPLIED\s+LAST INDEX\s+LOG\s+LAG/);
  assert.match(lines[1], new RegExp(`^n1\\s+${process.pid}\\s+leader\\s+3\\s+\\d+\\s+\\d+\\s+\\d+\\s+4\\.0 KiB\\s+0`));
  assert.match(lines[2], /^n2\s+-\s+unreachable/);
  assert.is(lines[3], 'leader: n1');
});

test('member list; lease grant --json', async () => {
  const [list, grant] = await Promise.all([keel(['member', 'list']), keel(['lease', 'grant', '3000', '--json'])]);
  assert.is(ok(list), 'ID  ROLE   LEADER\nn1  voter  *\nn2  voter\n');
  const id = JSON.parse(ok(grant)).id as number;
  assert.ok((await client.lease.list()).ids.includes(id));
});

test('failures: one typed line on stderr and exit 1; usage errors exit 2', async () => {
  const [tooBig, noLease, usage, noServer, serveNoId] = await Promise.all([
    keel(['put', 'k'.repeat(5000), 'v']),
    keel(['lease', 'keep-alive', '999']),
    keel(['get']),
    runCli(['get', 'a', '--servers', 'nats://127.0.0.1:1', '--json']),
    runCli(['serve', '--peers', 'n1,n2'], { env: { KEEL_ID: '' } }),
  ]);
  assert.is(serveNoId.code, 1);
  assert.is(serveNoId.stderr, 'keel: InvalidArgument: a node id is required (--id or KEEL_ID)\n');
  assert.is(tooBig.code, 1);
  assert.is(tooBig.stderr, 'keel: KeyTooLarge: key is 5000 bytes; the limit is 4096\n');
  assert.is(noLease.code, 1);
  assert.is(noLease.stderr, 'keel: LeaseNotFound: lease 999 not found\n');
  assert.is(usage.code, 2);
  assert.is(usage.stderr, 'keel: get needs <key> (usage: keel get <key>)\n');
  assert.is(noServer.code, 1);
  assert.is(JSON.parse(noServer.stderr).error.code, 'Unavailable');
});

test('usage errors: one line naming what is missing or wrong, exit 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['foo'], /^keel: unknown command "foo" \(commands: put, get, .*; keel --help\)\n$/],
    [['lease', 'grant', 'abc'], /^keel: ttl must be a number \(usage: keel lease grant <ttl>\)\n$/],
    [['lease'], /^keel: lease needs a command: grant, revoke, keepalive, ttl, list \(usage: keel lease <command>\)\n$/],
    [['get', 'a', 'b'], /^keel: unknown argument "b" \(usage: keel get <key>\)\n$/],
    [['snapshot', 'restore', 'f'], /^keel: missing --data, --id, --peers \(usage: keel snapshot restore <file>\)\n$/],
  ];
  const results = await Promise.all(cases.map(([args]) => keel(args)));
  results.forEach((r, i) => {
    assert.is(r.code, 2, `keel ${cases[i]![0].join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, cases[i]![1]);
    assert.is(r.stdout, '');
  });
});

test('nothing serves the cluster: fails in about 2 s naming the cluster and the servers', async () => {
  const started = Date.now();
  const [read, write] = await Promise.all([
    runCli(['get', 'a', '--cluster', 'prod', '--servers', nats.url]),
    runCli(['put', 'a', '1', '--cluster', 'prod', '--servers', nats.url]),
  ]);
  const elapsed = Date.now() - started;
  const server = nats.url.replace('nats://', '');
  for (const r of [read, write]) {
    assert.is(r.code, 1);
    assert.is(r.stderr, `keel: Unavailable: no Keel node serves cluster prod on ${server}\n`);
  }
  // the default --timeout is 15 s; allow for two CLI starts on a loaded machine
  assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
});

test('lease ttl of a lease that does not exist fails like keepalive of it (exit 1, LeaseNotFound)', async () => {
  const [ttl, keepalive] = await Promise.all([keel(['lease', 'ttl', '4242']), keel(['lease', 'keepalive', '4242'])]);
  assert.is(ttl.code, 1);
  assert.is(ttl.stderr, 'keel: LeaseNotFound: lease 4242 not found\n');
  assert.is(keepalive.code, 1);
  assert.is(keepalive.stderr, ttl.stderr);
});

test.run();

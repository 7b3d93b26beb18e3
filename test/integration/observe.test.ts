// Metrics, health probes and the NATS services registration of real `keel serve` processes.
import { connect as natsConnect, RequestStrategy, type ServiceIdentity, type ServiceStats } from 'nats';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor, useCluster, type SharedCluster } from './helpers.js';

const test = suite('observe: metrics, health, NATS services');
let shared!: SharedCluster;
useCluster(test, { nodeArgs: ['--metrics-addr', '127.0.0.1:0'] }, (s) => { shared = s; });

/** Each member's advertised URL, from `status` (what `keel status --json` prints). */
async function memberUrls(): Promise<Map<string, string>> {
  const st = await shared.client.clusterStatus();
  return new Map(st.members.map((m) => [m.id, m.status?.metricsUrl ?? '']));
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}

test('every member advertises its URL; /metrics shows keel_ series with histograms', async () => {
  await shared.client.put('observe/a', '1');
  await shared.client.get('observe/a');
  const urls = await memberUrls();
  assert.equal([...urls.keys()].sort(), ['n1', 'n2', 'n3']);
  for (const [id, url] of urls) assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, `${id} advertises ${url}`);
  const leader = (await shared.client.members()).leader;
  const { status, text } = await get(`${urls.get(leader)}/metrics`);
  assert.is(status, 200);
  assert.match(text, /^keel_raft_term [1-9]\d*$/m);
  assert.match(text, /^keel_raft_role\{role="leader"\} 1$/m);
  assert.match(text, /^# TYPE keel_api_request_duration_seconds histogram$/m);
  assert.match(text, /^keel_api_request_duration_seconds_bucket\{le="\+Inf",op="put"\} [1-9]\d*$/m);
  assert.match(text, /^keel_log_fsync_duration_seconds_count [1-9]\d*$/m);
  assert.match(text, /^keel_raft_proposals_total [1-9]\d*$/m);
  assert.match(text, /^keel_raft_apply_lag_entries \d+$/m);
  assert.match(text, /^keel_dedup_clients [1-9]\d*$/m);
  assert.match(text, /^keel_raft_rejected_batches_total\{reason="badMac"\} 0$/m);
  assert.match(text, /^keel_input_dropped_total\{kind="raftMalformed"\} 0$/m);
});

test('a malformed request is answered and counted under its error code', async () => {
  const nc = await natsConnect({ servers: shared.cluster.nats.url });
  try {
    await nc.request('keel.default.api.range', new Uint8Array([0xff, 0xff, 0xff]), { timeout: 5000 });
  } finally {
    await nc.close();
  }
  let seen = false;
  for (const url of (await memberUrls()).values()) {
    if (/^keel_api_request_errors_total\{code="InvalidArgument"\} [1-9]/m.test((await get(`${url}/metrics`)).text)) seen = true;
  }
  assert.ok(seen, 'one member counted the InvalidArgument answer');
});

test('concurrent puts arrive at the leader in request batches, and its metrics count them', async () => {
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => shared.client.put(`observe/batch/${i}`, String(i))));
  assert.ok(results.every((r) => r.header.revision > 0));
  const leader = (await shared.client.members()).leader;
  const { text } = await get(`${(await memberUrls()).get(leader)}/metrics`);
  const count = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  assert.ok(count('keel_api_batches_total') >= 1, 'a batch was counted');
  assert.ok(count('keel_api_batched_requests_total') >= 10, 'its requests were counted');
});

test('/livez and /readyz answer 200 on a healthy cluster', async () => {
  for (const [id, url] of await memberUrls()) {
    assert.is((await get(`${url}/livez`)).status, 200, `${id} live`);
    await waitFor(async () => (await get(`${url}/readyz`)).status === 200, 10_000);
  }
});

test('$SRV.PING gets one reply per node; INFO and STATS name the cluster, the node and its URL', async () => {
  const nc = await natsConnect({ servers: shared.cluster.nats.url });
  try {
    const svc = nc.services.client({ strategy: RequestStrategy.Timer, maxWait: 2000 });
    const pings: ServiceIdentity[] = [];
    for await (const p of await svc.ping()) pings.push(p);
    assert.equal(pings.map((p) => p.metadata?.node).sort(), ['n1', 'n2', 'n3']);
    assert.ok(pings.every((p) => p.name === 'keel' && p.metadata?.cluster === 'default'));

    const urls = await memberUrls();
    const stats: ServiceStats[] = [];
    for await (const s of await svc.stats('keel')) stats.push(s);
    assert.is(stats.length, 3);
    for (const s of stats) {
      const node = s.metadata?.node ?? '';
      assert.is(s.metadata?.metrics_url, urls.get(node), `${node} advertises its URL in the service metadata`);
      assert.equal(s.endpoints?.map((e) => e.name), ['status']);
    }
    // The leader served the put of the first test: its per-operation stats say so.
    const leader = (await shared.client.members()).leader;
    const data = stats.find((s) => s.metadata?.node === leader)?.endpoints?.[0]?.data as Record<string, { count: number }>;
    assert.ok(data.put && data.put.count >= 1, JSON.stringify(data));

    // The status endpoint answers JSON of that node.
    const endpoint = stats[0]!.endpoints![0]!.subject;
    const reply = await nc.request(endpoint, new Uint8Array(), { timeout: 5000 });
    const status = JSON.parse(new TextDecoder().decode(reply.data)) as { nodeId: string; term: number };
    assert.is(status.nodeId, stats[0]!.metadata?.node);
    assert.ok(status.term >= 1);
  } finally {
    await nc.close();
  }
});

test('/readyz is 503 on a node that lost its leader, and 200 again once it has one', async () => {
  const { cluster, client } = shared;
  const leader = (await client.members()).leader;
  const urls = await memberUrls();
  const survivor = ['n1', 'n2', 'n3'].find((id) => id !== leader)!;
  const stopped = ['n1', 'n2', 'n3'].filter((id) => id !== survivor);
  const url = urls.get(survivor)!;
  assert.is((await get(`${url}/readyz`)).status, 200);
  for (const id of stopped) cluster.nodes.get(id)!.child.kill('SIGSTOP');
  try {
    let last = { status: 0, text: '' };
    await waitFor(async () => {
      last = await get(`${url}/readyz`);
      return last.status === 503;
    }, 20_000, 200);
    assert.match(last.text, /not ready: no leader known/);
    assert.is((await get(`${url}/livez`)).status, 200, 'still live');
    assert.match((await get(`${url}/metrics`)).text, /^keel_raft_has_leader 0$/m);
  } finally {
    for (const id of stopped) cluster.nodes.get(id)!.child.kill('SIGCONT');
  }
  await waitFor(async () => (await get(`${url}/readyz`)).status === 200, 30_000, 200);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NODE_CONFIG, loadNodeConfig, NODE_FLAG_NAMES } from '../../src/node/config.js';
import { runCli } from '../helpers/processes.js';
import { KeelError } from '../../src/codec/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(content: object | string): string {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

test('defaults', () => {
  const c = loadNodeConfig({ id: 'n1' });
  assert.equal(c.peers, ['n1']);
  assert.is(c.cluster, 'default');
  assert.is(c.dataDir, 'segments');
  assert.equal(c.nats.servers, ['nats://127.0.0.1:4222']);
  assert.is(c.electionTickMs, 100);
  assert.is(c.electionTicks, 10);
  assert.is(c.heartbeatTicks, 1);
  assert.is(c.segmentBytes, 64 * 1024 * 1024);
  assert.equal(c.limits, DEFAULT_NODE_CONFIG.limits);
  assert.is(c.heapGrowthPercent, 200);
});

test('metricsAddr: off by default; from the config file, KEEL_METRICS_ADDR or --metrics-addr; malformed ones refused', () => {
  assert.is(loadNodeConfig({ id: 'n1' }).metricsAddr, '');
  assert.is(loadNodeConfig({ id: 'n1', config: configFile({ metricsAddr: ':9464' }) }).metricsAddr, ':9464');
  assert.is(loadNodeConfig({ id: 'n1' }, { KEEL_METRICS_ADDR: '127.0.0.1:0' }).metricsAddr, '127.0.0.1:0');
  assert.is(loadNodeConfig({ id: 'n1', metricsAddr: '[::1]:9464' }, { KEEL_METRICS_ADDR: ':1' }).metricsAddr, '[::1]:9464');
  for (const bad of ['localhost', '1.2.3.4:99999', 'host:port', ':']) {
    assert.throws(() => loadNodeConfig({ id: 'n1', metricsAddr: bad }), (e: unknown) => e instanceof KeelError && /metrics address/.test(e.message), bad);
  }
});

test('precedence: defaults < config file < KEEL_* env < flags', () => {
  const file = configFile({ id: 'n1', peers: ['n1', 'n2', 'n3'], cluster: 'file', data: '/file', electionTickMs: 50, segmentBytes: 1000, maxTxnOps: 16 });
  const env = { KEEL_CONFIG: file, KEEL_CLUSTER: 'env', KEEL_DATA: '/env', KEEL_ELECTION_TICK_MS: '20', KEEL_SERVERS: 'nats://a:1,nats://b:2' };
  const c = loadNodeConfig({ data: '/flag' }, env);
  assert.is(c.id, 'n1');
  assert.equal(c.peers, ['n1', 'n2', 'n3']);
  assert.is(c.cluster, 'env');
  assert.is(c.dataDir, '/flag');
  assert.is(c.electionTickMs, 20);
  assert.is(c.segmentBytes, 1000);
  assert.is(c.limits.maxTxnOps, 16);
  assert.equal(c.nats.servers, ['nats://a:1', 'nats://b:2']);
});

test('NATS auth and TLS options', () => {
  const c = loadNodeConfig({ id: 'n2', peers: 'n1,n2', user: 'u', password: 'p', tlsCa: '/ca.pem' }, { KEEL_TOKEN: 't' });
  assert.is(c.nats.user, 'u');
  assert.is(c.nats.pass, 'p');
  assert.is(c.nats.token, 't');
  assert.is(c.nats.tls?.caFile, '/ca.pem');
});

test('invalid settings are rejected with a precise InvalidArgument', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => loadNodeConfig({}), /node id is required/],
    [() => loadNodeConfig({ id: 'n1', peers: 'n2,n3' }), /must include this node's id n1/],
    [() => loadNodeConfig({ id: 'n1', peers: 'n1,n1' }), /twice/],
    [() => loadNodeConfig({ id: 'a.b' }), /node id "a.b"/],
    [() => loadNodeConfig({ id: 'n1' }, { KEEL_ELECTION_TICKS: 'ten' }), /KEEL_ELECTION_TICKS must be a positive integer/],
    [() => loadNodeConfig({ id: 'n1', heartbeatTicks: 10 }), /heartbeatTicks \(10\) must be below electionTicks/],
    [() => loadNodeConfig({ id: 'n1', logLevel: 'loud' }), /log level/],
    [() => loadNodeConfig({ config: configFile({ id: 'n1', electionTick: 5 }) }), /unknown setting "electionTick"/],
    [() => loadNodeConfig({ config: configFile('{nope') }), /cannot read config file/],
    [() => loadNodeConfig({ config: join(dir, 'missing.json') }), /cannot read config file/],
  ];
  for (const [load, message] of cases) {
    assert.throws(load, (e: unknown) => e instanceof KeelError && e.code === 'InvalidArgument' && message.test(e.message), String(message));
  }
});

test('minLeaseTtlMs defaults to two election timeouts and refuses less; rangePageBytes from env', () => {
  assert.is(loadNodeConfig({ id: 'n1' }).minLeaseTtlMs, 2 * 100 * 10);
  assert.is(loadNodeConfig({ id: 'n1', electionTickMs: 20 }).minLeaseTtlMs, 400);
  assert.is(loadNodeConfig({ id: 'n1', minLeaseTtlMs: 5000 }).minLeaseTtlMs, 5000);
  assert.throws(() => loadNodeConfig({ id: 'n1', minLeaseTtlMs: 1999 }), /at least two election timeouts/);
  assert.is(loadNodeConfig({ id: 'n1' }, { KEEL_RANGE_PAGE_BYTES: '65536', KEEL_MIN_LEASE_TTL_MS: '3000' }).rangePageBytes, 65536);
  assert.is(loadNodeConfig({ id: 'n1' }, { KEEL_MIN_LEASE_TTL_MS: '3000' }).minLeaseTtlMs, 3000);
});

test('heapGrowthPercent: from env or flag; 0 leaves V8 its own heuristic; negative refused', () => {
  assert.is(loadNodeConfig({ id: 'n1' }, { KEEL_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent, 0);
  assert.is(loadNodeConfig({ id: 'n1', heapGrowthPercent: 100 }, { KEEL_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent, 100);
  assert.throws(() => loadNodeConfig({ id: 'n1', heapGrowthPercent: -1 }), /heapGrowthPercent/);
});

test('every flag of `keel serve --help` reaches the configuration', async () => {
  // keel serve passes on only the settings in NODE_FLAG_NAMES; a flag missing there would be dropped.
  const help = (await runCli(['serve', '--help'])).stdout;
  const flags: string[] = [];
  let section = '';
  for (const line of help.split('\n')) {
    const header = /^([A-Za-z]+):$/.exec(line);
    if (header) section = header[1]!;
    const flag = /^\s+--([a-z][a-z0-9-]*)/.exec(line)?.[1];
    // The node's own sections, and the connection settings it shares with every command.
    if (flag && (['Node', 'Tuning', 'Limits'].includes(section) || (section === 'Connection' && flag !== 'timeout'))) flags.push(flag);
  }
  assert.ok(flags.length >= 35, flags.join(' '));
  const names = new Set<string>(NODE_FLAG_NAMES);
  for (const flag of flags) {
    const camel = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    assert.ok(names.has(camel), `--${flag} (${camel}) is not passed to the node's configuration`);
  }
});

test.run();

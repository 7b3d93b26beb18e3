// keel dev (what `npm start` runs): a local nats-server on 127.0.0.1:<port> and three nodes n1..n3
// with data under segments/dev/, their logs prefixed and quiet (warn and above unless --log-level),
// until Ctrl-C/SIGTERM: then the nodes stop first and nats-server last. Run again: the data is kept.
// Secured as in production (docs/security.md): nats-server enforces the identities' permissions, the
// nodes run as the node identity and MAC their Raft batches with a cluster key; connections without
// credentials are clients; admin.nk (for member/compact/snapshot commands) is in the data dir.
import { isAbsolute, relative, resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { NatsProcess } from '../node/local-cluster.js';

const NODE_IDS = ['n1', 'n2', 'n3'];

interface DevArgs { port: number; data: string; logLevel: string; cluster?: string }

export function devCommand<T>(y: Argv<T>): Argv<T> {
  return y.command('dev', 'run a local nats-server and a three-node cluster (Ctrl-C stops it)', (c) => c
    .option('port', { type: 'number', default: 4222, describe: 'nats-server port (loopback only)' })
    .option('data', { type: 'string', default: 'segments/dev', describe: 'data root of the three nodes' })
    .option('log-level', { type: 'string', default: 'warn', describe: 'node log level' }),
  (a) => dev(a as unknown as DevArgs));
}

class DevError extends Error {}

async function dev(a: DevArgs): Promise<void> {
  // Loaded here, not with the CLI: other commands start without them.
  const { NatsServerMissingError, PortInUseError, spawnNode, startNats } = await import('../node/local-cluster.js');
  const { ensureSecurityFiles } = await import('../node/nats-security.js');
  const dataDir = resolve(a.data);
  const cluster = a.cluster ?? 'default';
  let shuttingDown = false;

  const security = await ensureSecurityFiles(dataDir, { cluster, anonymousClients: true });
  let nats: NatsProcess;
  try {
    nats = await startNats({ port: a.port, include: security.authConf, detached: true });
  } catch (err) {
    if (err instanceof NatsServerMissingError || err instanceof PortInUseError) throw new DevError(err.message);
    throw err;
  }
  const url = nats.url;
  process.stderr.write(`keel dev: nats-server listening on ${url}\n`);

  const nodes = NODE_IDS.map((id) => {
    const node = spawnNode({
      id, peers: NODE_IDS, servers: url, cluster, dataDir, logLevel: a.logLevel, detached: true, security,
      // Each node serves metrics, health and the status page on a free loopback port (printed below).
      args: ['--parent-pid', String(process.pid), '--metrics-addr', '127.0.0.1:0'],
      onLine: (line) => process.stderr.write(`[${id}] ${compactLogLine(line)}\n`),
    });
    node.child.once('exit', (code, signal) => {
      if (!shuttingDown) process.stderr.write(`[${id}] exited (${signal ?? `code ${code}`})\n`);
    });
    return node;
  });

  const shutdown = async (): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stderr.write('\nkeel dev: stopping the nodes...\n');
    await Promise.all(nodes.map((n) => n.stop()));
    process.stderr.write('keel dev: stopping nats-server...\n');
    await nats.stop();
    process.stderr.write('keel dev: stopped\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  nats.child.once('exit', (code) => {
    if (shuttingDown) return;
    process.stderr.write(`keel dev: nats-server exited unexpectedly (code ${code})\n`);
    void shutdown();
  });

  const { leader, urls } = await waitForLeader(url, cluster);
  const adminSeed = shortPath(security.seeds.admin);
  const flags = `${a.port === 4222 ? '' : ` --servers ${url}`}${cluster === 'default' ? '' : ` --cluster ${cluster}`}`;
  process.stdout.write([
    `keel dev: cluster "${cluster}" is up: nodes ${NODE_IDS.join(', ')}, leader ${leader ?? '(not yet)'}; data in ${dataDir}`,
    'status page, /metrics, /livez, /readyz of each node:',
    ...NODE_IDS.map((id) => `  ${id}  ${urls.get(id) || '(not answering yet)'}`),
    'try:',
    `  npx keel put a 1${flags}`,
    `  npx keel get a${flags}`,
    `  npx keel status${flags}`,
    `  npx keel member list${flags}`,
    `operator commands (member add/remove/promote, compact, snapshot save) need the admin identity:`,
    `  npx keel snapshot save backup.snap --nkey ${adminSeed}${flags}   (or KEEL_NKEY=${adminSeed})`,
    `clients: connect({ servers: '${url}' })  (import { connect } from 'keel')`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n'));
}

/** A path relative to the working directory when it is inside it (what a user would type). */
function shortPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Node logs are pino JSON lines: print them as `[n1] WARN message key=value`. */
export function compactLogLine(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof rec !== 'object' || rec === null) return line;
  const { level, msg, time: _t, pid: _p, hostname: _h, node: _n, ...rest } = rec;
  const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${LEVELS[level as number] ?? String(level)} ${String(msg ?? '')}${extra ? ` ${extra}` : ''}`;
}

/** The leader's id once the cluster has one (null if none within 15 s), and each node's HTTP URL. */
async function waitForLeader(url: string, cluster: string): Promise<{ leader: string | null; urls: Map<string, string> }> {
  const { connect } = await import('../client/client.js');
  const client = await connect({ servers: url, cluster, deadlineMs: 15_000 });
  try {
    const until = Date.now() + 15_000;
    let leader: string | null = null;
    let urls = new Map<string, string>();
    while (Date.now() < until) {
      const st = await client.clusterStatus().catch(() => null);
      urls = new Map((st?.members ?? []).map((m) => [m.id, m.status?.metricsUrl ?? '']));
      leader = st?.leader || null;
      if (leader && NODE_IDS.every((id) => urls.get(id))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return { leader, urls };
  } finally {
    await client.close();
  }
}

export { DevError };

// keel dev (what `npm start` runs): a local nats-server on 127.0.0.1:<port> and three nodes n1..n3
// with data under segments/dev/, their logs prefixed and quiet (warn and above unless --log-level),
// until Ctrl-C/SIGTERM: then the nodes stop first and nats-server last. Run again: the data is kept.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import { connect } from '../client/index.js';

const NODE_IDS = ['n1', 'n2', 'n3'];
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

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
  const natsBin = findOnPath('nats-server');
  if (!natsBin) throw new DevError('nats-server not found on PATH; install it with: apt-get install -y nats-server');
  if (await acceptsConnections(a.port)) {
    throw new DevError(`port ${a.port} is already in use (another nats-server or keel dev?); stop it or use --port`);
  }
  const url = `nats://127.0.0.1:${a.port}`;
  const dataDir = resolve(a.data);
  const cluster = a.cluster ?? 'default';
  let shuttingDown = false;

  const nats = spawn(natsBin, ['-a', '127.0.0.1', '-p', String(a.port)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const natsLog = tail(nats);
  await waitUntilListening(a.port, nats, natsLog);
  process.stderr.write(`keel dev: nats-server listening on ${url}\n`);

  const nodes = NODE_IDS.map((id) => {
    const child = spawn(process.execPath, [
      '--import', 'tsx', CLI_MAIN, 'serve', '--id', id, '--peers', NODE_IDS.join(','), '--servers', url,
      '--cluster', cluster, '--data', dataDir, '--log-level', a.logLevel, '--parent-pid', String(process.pid),
    ], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    forwardLogs(id, child);
    child.once('exit', (code, signal) => {
      if (!shuttingDown) process.stderr.write(`[${id}] exited (${signal ?? `code ${code}`})\n`);
    });
    return child;
  });

  const shutdown = async (): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stderr.write('\nkeel dev: stopping the nodes...\n');
    await Promise.all(nodes.map((n) => stopChild(n, 10_000)));
    process.stderr.write('keel dev: stopping nats-server...\n');
    await stopChild(nats, 5000);
    process.stderr.write('keel dev: stopped\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  nats.once('exit', (code) => {
    if (shuttingDown) return;
    process.stderr.write(`keel dev: nats-server exited unexpectedly (code ${code}):\n${natsLog()}\n`);
    void shutdown();
  });

  const leader = await waitForLeader(url, cluster);
  const flags = `${a.port === 4222 ? '' : ` --servers ${url}`}${cluster === 'default' ? '' : ` --cluster ${cluster}`}`;
  process.stdout.write([
    `keel dev: cluster "${cluster}" is up: nodes ${NODE_IDS.join(', ')}, leader ${leader ?? '(not yet)'}; data in ${dataDir}`,
    'try:',
    `  npm run keel -- put a 1${flags}`,
    `  npm run keel -- get a${flags}`,
    `  npm run keel -- status${flags}`,
    `clients: connect({ servers: '${url}' })  (import { connect } from 'keel')`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n'));
}

function findOnPath(bin: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, bin);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilListening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new DevError(`nats-server exited at start (code ${child.exitCode}): ${log()}`);
    if (await acceptsConnections(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGTERM');
  throw new DevError(`nats-server did not start listening on port ${port} within 10 s: ${log()}`);
}

/** The last lines a child wrote, for when it fails. */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (d: Buffer): void => { text = (text + d.toString()).slice(-2000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trim();
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Node logs are pino JSON lines: print them as `[n1] WARN message key=value`. */
function forwardLogs(id: string, child: ChildProcess): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => process.stderr.write(`[${id}] ${compactLogLine(line)}\n`));
  }
}

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

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The leader's id once the cluster has one (null if none within 15 s). */
async function waitForLeader(url: string, cluster: string): Promise<string | null> {
  const client = await connect({ servers: url, cluster, deadlineMs: 15_000 });
  try {
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      const { leader } = await client.members().catch(() => ({ leader: '' }));
      if (leader) return leader;
      await new Promise((r) => setTimeout(r, 200));
    }
    return null;
  } finally {
    await client.close();
  }
}

export { DevError };

// A cluster on this machine: one nats-server and N `keel serve` processes. Used by `keel dev`, the
// benchmark and the integration tests, so all three start nodes the same way.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureSecurityFiles, type SecurityFiles } from './nats-security.js';
import { SERVE_V8_FLAGS } from './serve-v8-flags.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
// A node runs what its parent runs: from the TypeScript sources (tests, `npm start`) through tsx,
// from the compiled dist/ (the installed package) with plain node.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const CLI_MAIN = fileURLToPath(new URL(FROM_SOURCE ? '../cli/main.ts' : '../cli/main.js', import.meta.url));
const LOADER_FLAGS = FROM_SOURCE ? ['--import', 'tsx'] : [];

export class NatsServerMissingError extends Error {
  constructor() {
    super('nats-server not found on PATH; install it with: apt-get install -y nats-server');
  }
}
export class PortInUseError extends Error {
  constructor(port: number) {
    super(`port ${port} is already in use (another nats-server or keel dev?); stop it or use --port`);
  }
}

export interface NatsProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `nats-server` on loopback; port 0 lets the OS choose. Resolves once it accepts connections. */
export interface NatsStartOptions {
  port?: number;
  maxPayload?: number;
  /** A nats-server configuration file to include (the authorization block of nats-security.ts). */
  include?: string;
  /** Serve nats-server's HTTP monitoring (/varz: message and byte counts) on this loopback port. */
  monitorPort?: number;
  logFile?: string;
  detached?: boolean;
}

export async function startNats(opts: NatsStartOptions = {}): Promise<NatsProcess> {
  if (!onPath('nats-server')) throw new NatsServerMissingError();
  const port = opts.port && opts.port > 0 ? opts.port : await freePort();
  if (!(await isPortFree(port))) throw new PortInUseError(port);
  const dir = await mkdtemp(path.join(tmpdir(), 'keel-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  if (opts.monitorPort) args.push('-m', String(opts.monitorPort));
  if (opts.maxPayload || opts.include) {
    const conf = path.join(dir, 'nats.conf');
    const lines = [
      ...(opts.maxPayload ? [`max_payload: ${opts.maxPayload}`] : []),
      // nats-server resolves an include relative to the including file, even an absolute path.
      ...(opts.include ? [`include ${JSON.stringify(path.relative(dir, path.resolve(opts.include)))}`] : []),
    ];
    await writeFile(conf, `${lines.join('\n')}\n`);
    args.push('-c', conf);
  }
  const child = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: opts.detached });
  let recent = '';
  child.stderr?.on('data', (d: Buffer) => { recent = (recent + d.toString()).slice(-2000); });
  if (opts.logFile && child.stderr) child.stderr.pipe(createWriteStream(opts.logFile, { flags: 'a' }));
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new NatsServerMissingError() : err));
    child.once('spawn', () => resolve());
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(port, 10_000, () => child.exitCode !== null).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${recent.trim()}`);
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface NodeProcess {
  id: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface NodeSpawnOptions {
  id: string;
  peers: string[];
  servers: string;
  dataDir: string;
  cluster?: string;
  logLevel?: string;
  /** Extra `keel serve` flags. */
  args?: string[];
  /** Run as the node identity with the cluster key (the files of a secured cluster). */
  security?: SecurityFiles | null;
  /** Where the node's log goes (default <dataDir>/<id>.log), unless `onLine` takes its lines. */
  logFile?: string;
  /** Receives each line the node writes (stdout and stderr) instead of a log file. */
  onLine?: (line: string) => void;
  /** Start the node in its own process group, so a terminal's Ctrl-C reaches only the parent. */
  detached?: boolean;
  /** Extra environment variables (e.g. KEEL_FAILPOINTS=1 for the chaos suite). */
  env?: NodeJS.ProcessEnv;
}

/** Spawns `keel serve` as a child process with its log in a file. */
export function spawnNode(o: NodeSpawnOptions): NodeProcess {
  const logFile = o.logFile ?? path.join(o.dataDir, `${o.id}.log`);
  // KEEL_NODE_FLAGS adds Node.js flags to every node (e.g. `--cpu-prof` to profile a benchmark); the
  // last of two V8 flags wins, so they may also override SERVE_V8_FLAGS.
  const nodeFlags = (process.env.KEEL_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const args = [
    ...SERVE_V8_FLAGS, ...nodeFlags, ...LOADER_FLAGS, CLI_MAIN, 'serve',
    '--id', o.id, '--peers', o.peers.join(','), '--servers', o.servers, '--data', o.dataDir,
    '--cluster', o.cluster ?? 'default', '--log-level', o.logLevel ?? 'info',
    ...(o.security ? ['--nkey', o.security.seeds.node, '--cluster-key-file', o.security.clusterKey] : []),
    ...(o.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: o.detached, env: o.env ? { ...process.env, ...o.env } : undefined,
  });
  let out: WriteStream | null = null;
  if (o.onLine) {
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', o.onLine);
  } else {
    out = createWriteStream(logFile, { flags: 'a' });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    id: o.id,
    child,
    logFile,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (out) await new Promise<void>((r) => out!.end(r));
      return child.exitCode;
    },
  };
}

export interface LocalCluster {
  nats: NatsProcess;
  dataDir: string;
  ids: string[];
  nodes: Map<string, NodeProcess>;
  /** With `secure`: the seeds (admin.nk for operator actions), cluster key and NATS permissions. */
  security: SecurityFiles | null;
  /** (Re)starts one node with the cluster's settings. */
  startNode(id: string): NodeProcess;
  /** Reads a node's log file (for diagnostics). */
  nodeLog(id: string): Promise<string>;
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export interface LocalClusterOptions {
  size?: number;
  /** Data root; default a fresh temp dir (removed on stop unless keepData). */
  dataDir?: string;
  natsPort?: number;
  /** nats-server's HTTP monitoring port (off by default); see NatsStartOptions.monitorPort. */
  natsMonitorPort?: number;
  cluster?: string;
  logLevel?: string;
  nodeArgs?: string[];
  /**
   * NATS permissions and Raft MACs on (docs/security.md): nodes run as the node identity with a
   * cluster key, connections without credentials are clients, admin.nk is in <dataDir>/security.
   */
  secure?: boolean;
  /** Extra environment variables for every node (e.g. KEEL_FAILPOINTS=1). */
  env?: NodeJS.ProcessEnv;
}

export async function startLocalCluster(o: LocalClusterOptions = {}): Promise<LocalCluster> {
  const ids = Array.from({ length: o.size ?? 3 }, (_, i) => `n${i + 1}`);
  const dataDir = o.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'keel-cluster-')));
  const ownsData = o.dataDir === undefined;
  await mkdir(dataDir, { recursive: true });
  const security = o.secure
    ? await ensureSecurityFiles(path.join(dataDir, 'security'), { cluster: o.cluster ?? 'default', anonymousClients: true })
    : null;
  const nats = await startNats({ port: o.natsPort, include: security?.authConf, monitorPort: o.natsMonitorPort });
  const nodes = new Map<string, NodeProcess>();
  const startNode = (id: string): NodeProcess => {
    const node = spawnNode({
      id, peers: ids, servers: nats.url, dataDir, cluster: o.cluster, logLevel: o.logLevel, args: o.nodeArgs, security, env: o.env,
    });
    nodes.set(id, node);
    return node;
  };
  for (const id of ids) startNode(id);
  return {
    nats,
    dataDir,
    ids,
    nodes,
    security,
    startNode,
    nodeLog: (id) => readFile(path.join(dataDir, `${id}.log`), 'utf8').catch(() => ''),
    async stop(opts = {}) {
      await Promise.all([...nodes.values()].map((n) => n.stop()));
      await nats.stop();
      if (ownsData && !opts.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(path.join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function waitForPort(port: number, timeoutMs: number, gaveUp: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gaveUp()) throw new Error(`nats-server exited before accepting connections on port ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not accept connections on port ${port} within ${timeoutMs} ms`);
}

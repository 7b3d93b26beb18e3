// The cluster a chaos run attacks: one real nats-server and three real `keel serve` processes, each
// node reaching NATS through its own cuttable proxy (nats-proxy.ts) and started with the disk
// failpoint enabled (KEEL_FAILPOINTS=1). It owns the node processes: it restarts them, signals them,
// and records every exit, telling the nemesis's own (expected) from the unexpected ones.
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnNode, startNats, type NatsProcess, type NodeProcess } from '../../src/node/local-cluster.js';
import { startNatsProxy, type NatsProxy } from './nats-proxy.js';

export const CHAOS_CLUSTER = 'chaos';

export interface NodeExit {
  id: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The nemesis caused it (kill -9, disk failure). */
  expected: boolean;
  atMs: number;
  /** The end of the node's log, for unexpected exits. */
  logTail?: string;
}

export interface ChaosCluster {
  nats: NatsProcess;
  dataDir: string;
  ids: string[];
  exits: NodeExit[];
  proxy(id: string): NatsProxy;
  /** Whether the node's process is running (a stopped one counts as running). */
  isRunning(id: string): boolean;
  start(id: string): void;
  /** Sends a signal; an exit it causes is recorded as expected. */
  signal(id: string, signal: NodeJS.Signals, expectExit: boolean): void;
  /** The next exit of the node (already exited: at once). */
  exited(id: string): Promise<number | null>;
  /** Marks the node's next exit as expected (the nemesis broke its disk). */
  expectExit(id: string): void;
  setDiskFailure(id: string, kind: 'enospc' | 'eio' | null): Promise<void>;
  logPath(id: string): string;
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export interface ChaosClusterOptions {
  /** Extra `keel serve` flags. */
  nodeArgs?: string[];
  logLevel?: string;
}

export async function startChaosCluster(o: ChaosClusterOptions = {}): Promise<ChaosCluster> {
  const ids = ['n1', 'n2', 'n3'];
  const dataDir = await mkdtemp(path.join(tmpdir(), 'keel-chaos-'));
  const nats = await startNats();
  const proxies = new Map<string, NatsProxy>();
  for (const id of ids) proxies.set(id, await startNatsProxy(nats.port));
  const nodes = new Map<string, NodeProcess>();
  const expecting = new Set<string>();
  const exits: NodeExit[] = [];
  let stopping = false;
  const nodeDir = (id: string): string => path.join(dataDir, CHAOS_CLUSTER, id);
  const logPath = (id: string): string => path.join(dataDir, `${id}.log`);

  const start = (id: string): void => {
    const node = spawnNode({
      id, peers: ids, servers: (proxies.get(id) as NatsProxy).url, dataDir, cluster: CHAOS_CLUSTER,
      logLevel: o.logLevel ?? 'info', args: o.nodeArgs, env: { KEEL_FAILPOINTS: '1' },
    });
    nodes.set(id, node);
    node.child.once('exit', (code, signal) => {
      const expected = expecting.delete(id) || stopping;
      exits.push({ id, code, signal, expected, atMs: Date.now() });
    });
  };
  for (const id of ids) start(id);

  const running = (id: string): boolean => {
    const child = nodes.get(id)?.child;
    return !!child && child.exitCode === null && child.signalCode === null;
  };

  return {
    nats,
    dataDir,
    ids,
    exits,
    proxy: (id) => proxies.get(id) as NatsProxy,
    isRunning: running,
    start,
    signal(id, signal, expectExit) {
      if (!running(id)) return;
      if (expectExit) expecting.add(id);
      nodes.get(id)?.child.kill(signal);
    },
    exited: (id) => (nodes.get(id) as NodeProcess).exited,
    expectExit: (id) => { expecting.add(id); },
    async setDiskFailure(id, kind) {
      const file = path.join(nodeDir(id), 'failpoint.disk');
      if (kind) await writeFile(file, kind);
      else await unlink(file).catch(() => undefined);
    },
    logPath,
    async stop(opts = {}) {
      stopping = true;
      for (const id of ids) nodes.get(id)?.child.kill('SIGCONT');
      await Promise.all([...nodes.values()].map((n) => n.stop()));
      for (const p of proxies.values()) await p.close();
      await nats.stop();
      if (!opts.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

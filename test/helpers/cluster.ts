// Real Keel nodes for integration tests: `keel serve` processes (as `npm run keel -- serve` runs
// them) on a real nats-server, with their data in a temp dir. Fast Raft ticks keep elections short.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN, spawnTs, type SpawnedProcess } from './processes.js';

export interface KeelClusterOptions {
  natsUrl: string;
  /** Node ids; default n1, n2, n3. */
  ids?: string[];
  cluster?: string;
  /** Data root; default a new temp dir, removed by stop(). */
  dataDir?: string;
  /** Raft tick; default 20 ms (elections in a few hundred ms). */
  electionTickMs?: number;
  logLevel?: string;
  /** More `keel serve` flags for every node. */
  extraArgs?: string[];
}

export interface KeelCluster {
  ids: string[];
  dataDir: string;
  nodes: Map<string, SpawnedProcess>;
  /** Starts (or restarts) one node. */
  start(id: string): SpawnedProcess;
  /** Stops one node (SIGTERM, or SIGKILL to crash it). */
  stopNode(id: string, signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops every node and removes a temp data dir. */
  stop(): Promise<void>;
}

export async function startKeelCluster(o: KeelClusterOptions): Promise<KeelCluster> {
  const ids = o.ids ?? ['n1', 'n2', 'n3'];
  const ownDir = o.dataDir === undefined;
  const dataDir = o.dataDir ?? await mkdtemp(join(tmpdir(), 'keel-cluster-'));
  const nodes = new Map<string, SpawnedProcess>();

  const start = (id: string): SpawnedProcess => {
    const args = [
      'serve', '--id', id, '--peers', ids.join(','), '--servers', o.natsUrl, '--cluster', o.cluster ?? 'default',
      '--data', dataDir, '--election-tick-ms', String(o.electionTickMs ?? 20), '--log-level', o.logLevel ?? 'warn',
      ...(o.extraArgs ?? []),
    ];
    const proc = spawnTs(CLI_MAIN, args);
    nodes.set(id, proc);
    return proc;
  };
  ids.forEach(start);

  return {
    ids,
    dataDir,
    nodes,
    start,
    async stopNode(id, signal = 'SIGTERM') {
      const proc = nodes.get(id);
      return proc ? proc.stop(signal) : null;
    },
    async stop() {
      await Promise.all([...nodes.values()].map((p) => p.stop()));
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// Starts one Keel node from its configuration: connects to NATS, opens the data directory (taking
// its lock), rebuilds Raft and the projection, and serves Raft traffic and the client API.
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import pino, { type Logger } from 'pino';
import { requestBytesFor } from '../codec/limits.js';
import { ApiServer } from '../transport/api-server.js';
import { natsConnectionOptions } from '../transport/api-connect.js';
import { readClusterKey } from '../transport/raft-auth.js';
import { NodeApiHandler } from './api-handler.js';
import type { NodeConfig } from './config.js';
import { startObservability, type Observability } from './observability.js';
import { exitAfterStorageFailure } from './failure-exit.js';
import { KeelNode } from './node.js';

export interface RunningNode {
  readonly node: KeelNode;
  /** The node's NATS connection (services that run beside the node, like the placement controller, share it). */
  readonly nc: NatsConnection;
  /** Called whenever this node gains or loses leadership. */
  onLeaderChange(listener: (isLeader: boolean) => void): void;
  stop(): Promise<void>;
}

/** `exit` ends the process after a storage failure (default process.exit; EXIT_STORAGE_FAILED). */
export async function startNode(
  config: NodeConfig,
  logger: Logger = pino({ level: config.logLevel }),
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<RunningNode> {
  const log = logger.child({ node: config.id });
  const clusterKey = config.clusterKeyFile === undefined ? undefined : await readClusterKey(config.clusterKeyFile);
  if (!clusterKey) log.warn('no --cluster-key-file: raft traffic is not authenticated (docs/security.md)');
  const natsOpts = await natsConnectionOptions({ ...config.nats, name: `keel-${config.cluster}-${config.id}` });
  const nc = await connect({ ...natsOpts, maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: 10_000 });
  let node: KeelNode;
  try {
    node = await KeelNode.open({
      id: config.id,
      peers: config.peers,
      cluster: config.cluster,
      dir: path.join(config.dataDir, config.cluster, config.id),
      nc,
      logger: log,
      tickMs: config.electionTickMs,
      electionTicks: config.electionTicks,
      heartbeatTicks: config.heartbeatTicks,
      segmentBytes: config.segmentBytes,
      snapshot: { everyEntries: config.snapshotEveryEntries, retainEntries: config.retainEntries, logBytes: config.snapshotLogBytes },
      join: config.join,
      autoCompact: config.autoCompactRetention,
      quotaBytes: config.quotaBytes,
      clusterKey,
      rangePageBytes: config.rangePageBytes,
      minLeaseTtlMs: config.minLeaseTtlMs,
      store: {
        historyRevisions: config.historyRevisions, historyBytes: config.historyBytes,
        dedupMaxBytes: config.dedupMaxBytes, dedupIdleEntries: config.dedupIdleEntries,
      },
    });
  } catch (err) {
    await nc.close();
    throw err;
  }
  const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
  const limits = { ...config.limits, maxRequestBytes: Math.min(config.limits.maxRequestBytes, requestBytesFor(maxPayload)) };
  let inFlight = (): number => 0;
  let observability: Observability;
  try {
    observability = await startObservability({ config, node, nc, logger: log, inFlight: () => inFlight() });
  } catch (err) {
    await node.stop();
    await nc.close();
    throw err;
  }
  const handler = new NodeApiHandler(node, { metricsUrl: observability.url });
  const api = new ApiServer(nc, {
    cluster: config.cluster, nodeId: config.id, handler, limits, logger: log, observer: observability.metrics,
    onRefused: (kind, err) => node.drops.drop(kind === 'malformed' ? 'apiMalformed' : kind === 'failed' ? 'apiFailed' : 'subscriptionErrors', err),
    afterReply: () => node.afterReply(),
  });
  inFlight = () => api.inFlight;
  const leaderListeners: ((isLeader: boolean) => void)[] = [];
  node.onLeaderChange = (isLeader) => {
    api.setLeader(isLeader);
    for (const listener of leaderListeners) listener(isLeader);
  };
  // A failed disk: leave every subscription and queue group at once, then exit (failure-exit.ts).
  node.onFailure = (err) => void exitAfterStorageFailure(err, {
    logger: log,
    leave: [() => Promise.all([api.stop(), node.stop()]), () => observability.stop(), () => nc.drain()],
    exit,
  });
  api.start();
  node.start();
  await observability.register();
  log.info({ peers: config.peers, cluster: config.cluster, pid: process.pid }, 'node started');

  let stopping: Promise<void> | null = null;
  return {
    node,
    nc,
    onLeaderChange: (listener) => leaderListeners.push(listener),
    stop() {
      stopping ??= (async () => {
        // Stop taking requests, and end the watches at once: their clients resume on another node
        // while the requests already received here are answered.
        const apiStopped = api.stop();
        node.watches.stop();
        await apiStopped;
        await node.stop();
        // After the node: its watches learn of the stop (nodeStopping) without waiting on this.
        await observability.stop();
        await nc.drain().catch(() => nc.close());
        log.info('node stopped');
      })();
      return stopping;
    },
  };
}

export type { NodeConfig } from './config.js';

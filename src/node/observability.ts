// Everything a node offers to be watched from outside, started and stopped as one: the Prometheus
// metrics (node-metrics.ts), the HTTP server with health probes and the status page (node-http.ts,
// only with --metrics-addr), and the registration with the NATS services framework (micro-service.ts).
import type { NatsConnection, Service } from 'nats';
import type { Logger } from 'pino';
import { ClusterViewer } from './cluster-view.js';
import type { NodeConfig } from './config.js';
import { registerMicroService } from './micro-service.js';
import { startNodeHttp, statusReport, type NodeHttpServer } from './node-http.js';
import { NodeMetrics } from './node-metrics.js';
import type { KeelNode } from './node.js';
import { Readiness } from './readiness.js';

export interface ObservabilityOptions {
  config: NodeConfig;
  node: KeelNode;
  nc: NatsConnection;
  logger: Logger;
  inFlight: () => number;
}

export interface Observability {
  metrics: NodeMetrics;
  /** The advertised HTTP base URL; '' without --metrics-addr. */
  url: string;
  /** Registers with the NATS services framework (once the node serves, so a PING means "up"). */
  register(): Promise<void>;
  stop(): Promise<void>;
}

export async function startObservability(o: ObservabilityOptions): Promise<Observability> {
  const { node, nc, logger, config } = o;
  const readiness = new Readiness(node);
  const metrics = new NodeMetrics({ node, nc, readiness, inFlight: o.inFlight });
  let http: NodeHttpServer | null = null;
  if (config.metricsAddr !== '') {
    http = await startNodeHttp({ addr: config.metricsAddr, node, metrics, readiness, cluster: new ClusterViewer(nc, node), logger });
  }
  const url = http?.url ?? '';
  let service: Service | null = null;
  return {
    metrics,
    url,
    async register() {
      service = await registerMicroService(nc, {
        cluster: config.cluster, nodeId: config.id, metricsUrl: url, logger,
        status: () => statusReport({ node, metrics, readiness }),
        requestStats: () => metrics.requestStats(),
      });
    },
    async stop() {
      await service?.stop().catch((err: unknown) => logger.debug({ err }, 'micro: stop failed'));
      await http?.close();
    },
  };
}

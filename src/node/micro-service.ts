// Registers the node with the NATS services framework ("micro", nats.js `nc.services`), so standard
// NATS tooling finds it: `$SRV.PING` / `$SRV.PING.keel` get one reply per node, and
// `nats micro ls|info|stats keel` list the nodes with their cluster, id and metrics URL.
//
// The client API is NOT served through the framework; the service is registered alongside it:
//   - the framework wraps every message in a ServiceMsg and times only the synchronous part of the
//     handler, so for Keel's async handlers its latency figures would read ~0;
//   - it closes the whole service when one endpoint's subscription ends, and the API server drains
//     its leader subscription on every step-down (api-server.ts);
//   - errors would travel as NATS headers instead of Keel's typed Avro error responses.
// So the hot path stays one plain queue subscription, and the service's one endpoint, `status`
// (JSON of this node, on keel.<c>.svc.<id>.status), carries in its stats `data` the per-operation
// request counts and latencies the node measures itself (the same numbers as /metrics).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection, Service } from 'nats';
import type { Logger } from 'pino';
import { serviceStatusSubject } from '../transport/subjects.js';

export const SERVICE_NAME = 'keel';

export interface MicroServiceOptions {
  cluster: string;
  nodeId: string;
  /** '' when the node serves no HTTP. */
  metricsUrl: string;
  logger: Logger;
  /** This node as JSON (the status endpoint's answer). */
  status: () => Promise<unknown>;
  /** Per-operation request statistics (the stats `data`). */
  requestStats: () => Promise<unknown>;
}

export async function registerMicroService(nc: NatsConnection, o: MicroServiceOptions): Promise<Service> {
  const service = await nc.services.add({
    name: SERVICE_NAME,
    version: await packageVersion(),
    description: `Keel node ${o.nodeId} of cluster ${o.cluster}`,
    metadata: { cluster: o.cluster, node: o.nodeId, metrics_url: o.metricsUrl },
    statsHandler: () => o.requestStats(),
  });
  service.addEndpoint('status', {
    subject: serviceStatusSubject(o.cluster, o.nodeId),
    metadata: { description: 'this node\'s status as JSON' },
    handler: (err, msg) => {
      if (err) return;
      o.status().then(
        (body) => msg.respond(JSON.stringify(body)),
        (e: Error) => msg.respondError(500, e.message),
      ).catch((e: unknown) => o.logger.debug({ err: e }, 'micro: could not answer a status request'));
    },
  });
  void service.stopped.then((e) => {
    if (e) o.logger.warn({ err: e }, 'micro: the NATS service registration stopped');
  });
  return service;
}

let version: Promise<string> | undefined;

/** Keel's version from its package.json (found upwards from this file, from source or a build). */
function packageVersion(): Promise<string> {
  version ??= (async () => {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
      try {
        const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'keel' && pkg.version) return pkg.version;
      } catch {
        // no package.json here; look further up
      }
      const parent = path.dirname(dir);
      if (parent === dir) throw new Error('cannot find Keel\'s package.json to read its version');
      dir = parent;
    }
  })();
  return version;
}

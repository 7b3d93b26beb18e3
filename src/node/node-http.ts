// The HTTP side of one node (`--metrics-addr`): Prometheus metrics, health probes, the status page
// and the JSON it reads. Read-only; every route answers from memory (the cluster view asks the other
// members over NATS, cached). Routes:
//   GET /metrics       Prometheus text (docs/metrics.md)
//   GET /livez         200 while the node runs and has not failed
//   GET /readyz        200 when it knows a leader and has applied what was committed (readiness.ts)
//   GET /              the status page (status-page.ts)
//   GET /api/status    this node as JSON (CORS open: the page of another member reads it)
//   GET /api/cluster   every member's status as this node gets it over NATS
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { InvalidArgumentError } from '../codec/errors.js';
import type { ClusterViewer } from './cluster-view.js';
import type { KeelNode } from './node.js';
import type { Readiness } from './readiness.js';
import { REQUEST_BUCKETS, type NodeMetrics } from './node-metrics.js';
import { STATUS_PAGE_HTML } from './status-page.js';

export interface NodeHttpOptions {
  /** host:port, :port or port; port 0 lets the OS choose. */
  addr: string;
  node: KeelNode;
  metrics: NodeMetrics;
  readiness: Readiness;
  cluster: ClusterViewer;
  logger: Logger;
}

export interface NodeHttpServer {
  /** The base URL others reach this node at (http://host:port). */
  readonly url: string;
  close(): Promise<void>;
}

/** Splits a listen address; throws InvalidArgumentError on a malformed one. */
export function parseListenAddr(addr: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:]+\]|[^:]*):)?(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`metrics address "${addr}" must be host:port, :port or port (port 0 = any free port)`);
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

export async function startNodeHttp(o: NodeHttpOptions): Promise<NodeHttpServer> {
  const { host, port } = parseListenAddr(o.addr);
  const server = createServer((req, res) => {
    route(o, req, res).catch((err: unknown) => {
      o.logger.warn({ err, url: req.url }, 'http: request failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host || undefined, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${advertisedHost(host)}:${bound}`;
  o.logger.info({ url }, 'http: serving /metrics, /livez, /readyz and the status page');
  return { url, close: () => closeServer(server) };
}

/** A wildcard listen address is advertised under the machine's host name. */
function advertisedHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return hostname();
  return host.includes(':') ? `[${host}]` : host;
}

async function route(o: NodeHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n');
  }
  const path = (req.url ?? '/').split('?')[0];
  switch (path) {
    case '/metrics':
      return send(res, 200, o.metrics.contentType, await o.metrics.text());
    case '/livez': {
      const v = o.readiness.live();
      return send(res, v.ok ? 200 : 503, 'text/plain; charset=utf-8', `${v.reason}\n`);
    }
    case '/readyz': {
      const v = o.readiness.check();
      return send(res, v.ready ? 200 : 503, 'text/plain; charset=utf-8', `${v.ready ? 'ready' : 'not ready'}: ${v.reason}\n`);
    }
    case '/':
    case '/index.html':
      return send(res, 200, 'text/html; charset=utf-8', STATUS_PAGE_HTML);
    case '/api/status':
      return sendJson(res, await statusReport(o));
    case '/api/cluster':
      return sendJson(res, await o.cluster.view());
    default:
      return send(res, 404, 'text/plain; charset=utf-8', 'not found; try /, /metrics, /livez, /readyz, /api/status, /api/cluster\n');
  }
}

/** This node as the status page (and the NATS service's status endpoint) shows it. */
export async function statusReport(o: Pick<NodeHttpOptions, 'node' | 'metrics' | 'readiness'>): Promise<Record<string, unknown>> {
  const { node } = o;
  const st = node.status();
  const ready = o.readiness.check();
  return {
    nodeId: st.id,
    cluster: node.cluster,
    pid: process.pid,
    uptimeSeconds: Math.round(process.uptime()),
    role: st.conf.learners.includes(st.id) ? 'learner' : st.role,
    leader: st.leader,
    term: st.term,
    commitIndex: st.commitIndex,
    appliedIndex: st.appliedIndex,
    applyLag: Math.max(0, st.commitIndex - st.appliedIndex),
    firstIndex: st.firstIndex,
    lastIndex: st.lastIndex,
    logBytes: st.logBytes,
    revision: st.revision,
    compactRevision: st.compactRevision,
    keys: st.keys,
    watches: node.watches.size,
    leases: st.leases,
    ready: ready.ready,
    readyReason: ready.reason,
    alarms: node.alarms(),
    recentLeaderChanges: node.stats.recentLeaders,
    /** Cumulative since start: the page turns two samples into rates and latencies. */
    requestBuckets: REQUEST_BUCKETS,
    requests: await o.metrics.requestStats(),
    at: Date.now(),
  };
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(body));
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // a browser's keep-alive connection must not hold the node's exit
  });
}

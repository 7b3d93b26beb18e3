// The Prometheus metrics of one node (prom-client, one Registry per node). Most values are read from
// the node when scraped (`collect`), so serving requests pays nothing for them; what must be counted
// as it happens comes from NodeStats (plain increments) or, for request latency, from a histogram
// of our own (op-latency-histogram.ts) whose per-operation observer is looked up by name per request.
// The names and their meaning are documented in docs/metrics.md.
import type { NatsConnection } from 'nats';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OpLatencyHistogram, type LatencyObserver, type OpLatencyStats } from './op-latency-histogram.js';
import type { ApiObserver } from '../transport/api-server.js';
import { REQUEST_TYPES } from '../codec/request-types.js';
import type { KeelNode } from './node.js';
import type { Readiness } from './readiness.js';

const ROLES = ['leader', 'follower', 'candidate', 'precandidate', 'learner'] as const;
/** Request latency buckets (seconds): sub-millisecond local reads up to writes stuck behind an election. */
export const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const SNAPSHOT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** The label requests on a subject that names no operation are counted under (bounded cardinality). */
const UNKNOWN_OP = 'unknown';

interface Incrementer { inc(value?: number): void }

export interface NodeMetricsSources {
  node: KeelNode;
  nc: NatsConnection;
  readiness: Readiness;
  /** Requests received by the API server and not yet answered. */
  inFlight: () => number;
}

export class NodeMetrics implements ApiObserver {
  readonly registry = new Registry();
  private readonly requestDuration: OpLatencyHistogram;
  private readonly requestErrors: Counter<'code'>;
  private readonly batches: Counter;
  private readonly batchedRequests: Counter;
  private readonly durationByOp = new Map<string, LatencyObserver>();
  private readonly errorsByCode = new Map<string, Incrementer>();
  private readonly unknownOp: LatencyObserver;

  constructor(private readonly src: NodeMetricsSources) {
    const r = this.registry;
    const { node } = src;
    collectDefaultMetrics({ register: r });
    const status = oncePerTurn(() => node.status());

    // Raft
    gauge(r, 'keel_raft_term', 'The current Raft term.', () => status().term);
    new Gauge({
      name: 'keel_raft_role', help: 'The node\'s Raft role: 1 for the current one, 0 for the others.', labelNames: ['role'], registers: [r],
      collect() {
        const st = status();
        const role = st.conf.learners.includes(st.id) ? 'learner' : st.role;
        for (const each of ROLES) this.set({ role: each }, each === role ? 1 : 0);
      },
    });
    gauge(r, 'keel_raft_has_leader', '1 when the node knows a leader.', () => (status().leader ? 1 : 0));
    gauge(r, 'keel_raft_commit_index', 'The highest log index known to be committed.', () => status().commitIndex);
    gauge(r, 'keel_raft_applied_index', 'The highest log index applied to the key-value store.', () => status().appliedIndex);
    gauge(r, 'keel_raft_apply_lag_entries', 'Committed entries not yet applied (commit index - applied index).',
      () => Math.max(0, status().commitIndex - status().appliedIndex));
    gauge(r, 'keel_raft_members', 'Voters and learners in the node\'s current configuration.', () => {
      const conf = status().conf;
      return conf.voters.length + conf.learners.length;
    });
    counter(r, 'keel_raft_leader_changes_total', 'Times this node saw a new leader.', () => node.stats.leaderChanges);
    counter(r, 'keel_raft_proposals_total', 'Commands proposed through this node while it led.', () => node.stats.proposals);
    counter(r, 'keel_raft_proposals_failed_total', 'Proposals refused because leadership was lost before they reached Raft.',
      () => node.stats.proposalsFailed);
    counter(r, 'keel_raft_malformed_batches_total', 'Raft message batches from peers that did not decode (dropped).',
      () => node.drops.counters.raftMalformed);
    countersByLabel(r, 'keel_raft_rejected_batches_total',
      'Raft batches dropped as unauthenticated, by reason (unframed: no MAC frame; badMac: wrong cluster key; wrongSender: signed by another node than it claims).',
      'reason', () => node.raftRejects);
    countersByLabel(r, 'keel_input_dropped_total',
      'Input the node dropped or refused, by kind (raftMalformed, raftRejected, raftStepFailed, watchAckMalformed, apiMalformed, apiFailed, subscriptionErrors, handlerErrors; src/node/input-drops.ts).',
      'kind', () => node.drops.counters as unknown as Readonly<Record<string, number>>);
    counter(r, 'keel_raft_undecodable_entries_total', 'Committed entries that did not decode (skipped on every replica).',
      () => node.stats.undecodableEntries);
    new Gauge({
      name: 'keel_alarm_active', help: '1 while the alarm is raised on this node (NOSPACE: the storage quota was exceeded).', labelNames: ['alarm'], registers: [r],
      collect() {
        const active = node.alarms();
        this.set({ alarm: 'NOSPACE' }, active.includes('NOSPACE') ? 1 : 0);
      },
    });
    gauge(r, 'keel_store_bytes', 'Bytes of live keys and values (what --quota-bytes limits).', () => node.storeBytes);
    gauge(r, 'keel_ready', '1 when /readyz answers 200: a leader is known and what was committed is applied.',
      () => (src.readiness.check().ready ? 1 : 0));

    // Log and disk
    const fsync = new Histogram({
      name: 'keel_log_fsync_duration_seconds', help: 'One group-committed log write until durable (written through with O_DSYNC).', buckets: FSYNC_BUCKETS, registers: [r],
    });
    node.stats.onFsync = (seconds) => fsync.observe(seconds);
    gauge(r, 'keel_log_first_index', 'The first log index held on disk.', () => status().firstIndex);
    gauge(r, 'keel_log_last_index', 'The last log index held on disk.', () => status().lastIndex);
    gauge(r, 'keel_log_bytes', 'Bytes of the log segments on disk.', () => status().logBytes);

    // Snapshots
    const snapshotDuration = new Histogram({
      name: 'keel_snapshot_duration_seconds', help: 'Time to take and write one snapshot.', buckets: SNAPSHOT_BUCKETS, registers: [r],
    });
    const snapshotBytes = new Gauge({ name: 'keel_snapshot_bytes', help: 'Size of the newest snapshot written by this node.', registers: [r] });
    const snapshotIndex = new Gauge({ name: 'keel_snapshot_index', help: 'Log index of the newest snapshot written by this node.', registers: [r] });
    const earlier = node.snapshots.onSnapshot;
    node.snapshots.onSnapshot = (taken) => {
      earlier(taken);
      snapshotDuration.observe(taken.totalMs / 1000);
      snapshotBytes.set(taken.bytes);
      snapshotIndex.set(taken.meta.index);
    };

    // Store, watches, leases, exactly-once
    gauge(r, 'keel_store_revision', 'The store\'s current revision.', () => status().revision);
    gauge(r, 'keel_store_compact_revision', 'Revisions below this one were compacted away.', () => status().compactRevision);
    gauge(r, 'keel_store_keys', 'Keys in the store.', () => status().keys);
    gauge(r, 'keel_leases', 'Leases granted and not yet expired or revoked.', () => status().leases);
    gauge(r, 'keel_dedup_clients', 'Clients in the exactly-once (request id) table.', () => status().dedupClients);
    gauge(r, 'keel_watches', 'Watches served by this node.', () => node.watches.size);
    gauge(r, 'keel_watch_backlog_events', 'Watch events waiting to be sent or acknowledged, over all watches.',
      () => node.watches.backlog().events);
    gauge(r, 'keel_watch_unacked_bytes', 'Watch bytes sent and not yet acknowledged, over all watches.',
      () => node.watches.backlog().unackedBytes);
    gauge(r, 'keel_pending_writes', 'Writes proposed here and waiting to be applied.', () => node.pending.size);

    // Client API
    this.requestDuration = new OpLatencyHistogram(
      'keel_api_request_duration_seconds', 'From receiving a request to sending its answer, per operation.', REQUEST_BUCKETS, r,
    );
    for (const op of Object.keys(REQUEST_TYPES)) this.durationByOp.set(op, this.requestDuration.op(op));
    this.unknownOp = this.requestDuration.op(UNKNOWN_OP);
    this.requestErrors = new Counter({
      name: 'keel_api_request_errors_total', help: 'Requests answered with an error, by error code (InvalidArgument counts malformed requests).',
      labelNames: ['code'], registers: [r],
    });
    gauge(r, 'keel_api_requests_in_flight', 'Requests received and not yet answered.', src.inFlight);
    this.batches = new Counter({ name: 'keel_api_batches_total', help: 'Request batches received (several requests in one message).', registers: [r] });
    this.batchedRequests = new Counter({ name: 'keel_api_batched_requests_total', help: 'Requests that arrived in a batch.', registers: [r] });

    // NATS
    const reconnects = new Counter({ name: 'keel_nats_reconnects_total', help: 'Reconnections of the node\'s NATS connection.', registers: [r] });
    const disconnects = new Counter({ name: 'keel_nats_disconnects_total', help: 'Losses of the node\'s NATS connection.', registers: [r] });
    void (async () => {
      for await (const s of src.nc.status()) {
        if (s.type === 'reconnect') reconnects.inc();
        else if (s.type === 'disconnect') disconnects.inc();
      }
    })().catch(() => {}); // the iterator ends with the connection
  }

  /** ApiObserver: one answered request. No allocation. */
  served(type: string | null, seconds: number, errorCode: string | null): void {
    ((type !== null && this.durationByOp.get(type)) || this.unknownOp).observe(seconds);
    if (errorCode !== null) this.errorCounter(errorCode).inc();
  }

  /** ApiObserver: one request batch. */
  batch(requests: number): void {
    this.batches.inc();
    this.batchedRequests.inc(requests);
  }

  private errorCounter(code: string): Incrementer {
    let child = this.errorsByCode.get(code);
    if (!child) {
      // Codes come from this node's own KeelErrors (a closed set), so this map stays small.
      child = this.requestErrors.labels({ code });
      this.errorsByCode.set(code, child);
    }
    return child;
  }

  /** The text /metrics serves. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Per operation: requests answered, their summed seconds and cumulative bucket counts (for the status page). */
  async requestStats(): Promise<Record<string, OpLatencyStats>> {
    return this.requestDuration.stats();
  }
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
}

/** A counter whose total the node keeps (NodeStats): each scrape adds what was counted since the last. */
function counter(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name, help, registers: [registry],
    collect() {
      const now = read();
      if (now > seen) this.inc(now - seen);
      seen = now;
    },
  });
}

/** Like `counter`, for a record of totals the node keeps per label value (e.g. per reason). */
function countersByLabel(registry: Registry, name: string, help: string, label: string, read: () => Readonly<Record<string, number>>): void {
  const seen = new Map<string, number>();
  new Counter({
    name, help, labelNames: [label], registers: [registry],
    collect() {
      for (const [value, now] of Object.entries(read())) {
        const before = seen.get(value) ?? 0;
        // inc(0) still creates the series, so every reason shows from the first scrape on.
        this.inc({ [label]: value }, Math.max(0, now - before));
        seen.set(value, now);
      }
    },
  });
}

/** `read()` at most once per event-loop turn: the gauges of one scrape share one node.status(). */
function oncePerTurn<T>(read: () => T): () => T {
  let cached: T | null = null;
  return () => {
    if (cached === null) {
      cached = read();
      setImmediate(() => { cached = null; });
    }
    return cached;
  };
}

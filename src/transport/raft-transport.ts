// Raft peer traffic over NATS: each node subscribes to `keel.<c>.raft.<self>` and publishes batches
// to `keel.<c>.raft.<peer>`. Plain publish, no reply: Raft tolerates loss, duplication and
// reordering, so the transport adds no acknowledgements of its own. The payload is opaque here
// (the node encodes batches of Raft messages); this file only knows subjects, sizes and, with a
// cluster key, the MAC of each batch (raft-auth.ts): a batch whose MAC is wrong or missing is
// counted, logged at a bounded rate and dropped before anyone decodes it.
import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { RaftAuth, type RejectReason } from './raft-auth.js';
import { raftSubject } from './subjects.js';

export interface RaftTransportOptions {
  cluster: string;
  nodeId: string;
  logger: Logger;
  /** The cluster secret; without it batches are sent and accepted unauthenticated. */
  clusterKey?: Uint8Array;
  /**
   * Called for every accepted batch, synchronously, in arrival order. `from` is the authenticated
   * sender (null without a cluster key): the receiver drops messages that claim another sender.
   */
  onBatch: (payload: Uint8Array, from: string | null) => void;
  /** Told about a subscription error or a batch that made onBatch throw (the batch is dropped). */
  onError?: (kind: 'subscription' | 'handler', err: unknown) => void;
}

/** Raft batches dropped by the transport, by reason (exported as metrics). */
export type RaftRejectCounters = Record<RejectReason, number>;

/** At most one warning per this many ms about rejected batches; the rest are counted into it. */
const REJECT_LOG_INTERVAL_MS = 10_000;

export class RaftTransport {
  private sub: Subscription | null = null;
  private readonly maxPayload: number;
  private readonly auth: RaftAuth | null;
  readonly rejected: RaftRejectCounters = { unframed: 0, badMac: 0, wrongSender: 0 };
  private lastRejectLog = 0;
  private unloggedRejects = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: RaftTransportOptions,
  ) {
    this.auth = opts.clusterKey ? new RaftAuth(opts.clusterKey, opts.cluster) : null;
    const limit = nc.info?.max_payload ?? 1024 * 1024;
    this.maxPayload = this.auth ? limit - RaftAuth.overhead(opts.nodeId) : limit;
  }

  /** The largest batch one publish may carry (the server's max_payload less the MAC frame). */
  get payloadLimit(): number {
    return this.maxPayload;
  }

  /** Counts and (rate-limited) logs a batch dropped for `reason`; the node calls it for wrongSender. */
  reject(reason: RejectReason, from?: string): void {
    this.rejected[reason]++;
    const now = Date.now();
    if (now - this.lastRejectLog < REJECT_LOG_INTERVAL_MS) {
      this.unloggedRejects++;
      return;
    }
    this.opts.logger.warn(
      { reason, claimedFrom: from, alsoRejectedSinceLastLog: this.unloggedRejects, rejected: this.rejected },
      'dropping an unauthenticated raft batch (is --cluster-key-file the same on every node?)',
    );
    this.lastRejectLog = now;
    this.unloggedRejects = 0;
  }

  start(): void {
    if (this.sub) return;
    const { cluster, nodeId, logger, onBatch, onError } = this.opts;
    this.sub = this.nc.subscribe(raftSubject(cluster, nodeId), {
      callback: (err, msg) => {
        if (err) {
          if (onError) onError('subscription', err);
          else logger.warn({ err }, 'raft transport: subscription error');
          return;
        }
        try {
          if (!this.auth) {
            onBatch(msg.data, null);
            return;
          }
          const v = this.auth.open(nodeId, msg.data);
          if (v.ok) onBatch(v.payload, v.from);
          else this.reject(v.reason, v.from);
        } catch (thrown) {
          // Nothing a peer sends may stop this subscription: drop the batch, Raft recovers from loss.
          if (onError) onError('handler', thrown);
          else logger.warn({ err: thrown }, 'raft transport: dropped a batch that could not be handled');
        }
      },
    });
  }

  /** Publishes one encoded batch to `to`. Never throws: a lost batch is something Raft recovers from. */
  send(to: string, payload: Uint8Array): void {
    this.publish(to, this.frame(to, payload));
  }

  /** What goes on the wire for `payload` to `to`: with a cluster key, the payload framed with its MAC. */
  frame(to: string, payload: Uint8Array): Uint8Array {
    return this.auth ? this.auth.seal(this.opts.nodeId, to, payload) : payload;
  }

  /** Publishes a batch framed by frame(). Never throws, as send(). */
  publish(to: string, frame: Uint8Array): void {
    try {
      this.nc.publish(raftSubject(this.opts.cluster, to), frame);
    } catch (err) {
      this.opts.logger.debug({ err, to }, 'raft transport: publish failed');
    }
  }

  async stop(): Promise<void> {
    const sub = this.sub;
    this.sub = null;
    if (sub) sub.unsubscribe();
  }
}

// Raft peer traffic over NATS: each node subscribes to `keel.<c>.raft.<self>` and publishes batches
// to `keel.<c>.raft.<peer>`. Plain publish, no reply: Raft tolerates loss, duplication and
// reordering, so the transport adds no acknowledgements of its own. The payload is opaque here
// (the node encodes batches of Raft messages); this file only knows subjects and sizes.
import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { raftSubject } from './subjects.js';

export interface RaftTransportOptions {
  cluster: string;
  nodeId: string;
  logger: Logger;
  /** Called for every batch received, synchronously, in arrival order. */
  onBatch: (payload: Uint8Array) => void;
}

export class RaftTransport {
  private sub: Subscription | null = null;
  private readonly maxPayload: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: RaftTransportOptions,
  ) {
    this.maxPayload = nc.info?.max_payload ?? 1024 * 1024;
  }

  /** The largest payload one publish may carry (the server's max_payload). */
  get payloadLimit(): number {
    return this.maxPayload;
  }

  start(): void {
    if (this.sub) return;
    const { cluster, nodeId, logger, onBatch } = this.opts;
    this.sub = this.nc.subscribe(raftSubject(cluster, nodeId), {
      callback: (err, msg) => {
        if (err) {
          logger.warn({ err }, 'raft transport: subscription error');
          return;
        }
        onBatch(msg.data);
      },
    });
  }

  /** Publishes one encoded batch to `to`. Never throws: a lost batch is something Raft recovers from. */
  send(to: string, payload: Uint8Array): void {
    try {
      this.nc.publish(raftSubject(this.opts.cluster, to), payload);
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

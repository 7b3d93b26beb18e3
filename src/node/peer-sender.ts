// The ready loop's transport on a running node: a Ready's messages go out as one batch per peer,
// split in halves when a batch would exceed the NATS payload limit.
import type { Logger } from 'pino';
import type { Message } from '../raft/types.js';
import { raftBatchCodec } from './raft-codec.js';
import type { ReadyTransport } from './ready-loop.js';

/** What the sender needs of the NATS transport. */
export interface BatchTransport {
  readonly payloadLimit: number;
  send(to: string, payload: Uint8Array): void;
}

export class PeerSender implements ReadyTransport {
  constructor(
    private readonly nodeId: string,
    private readonly transport: BatchTransport,
    private readonly logger: Logger,
  ) {}

  send(messages: Message[]): void {
    if (messages.length === 0) return;
    const byPeer = new Map<string, Message[]>();
    for (const m of messages) {
      const list = byPeer.get(m.to);
      if (list) list.push(m);
      else byPeer.set(m.to, [m]);
    }
    for (const [to, list] of byPeer) this.sendBatch(to, list);
  }

  private sendBatch(to: string, messages: Message[]): void {
    const payload = raftBatchCodec.encode({ from: this.nodeId, messages });
    const limit = this.transport.payloadLimit;
    if (payload.length <= limit || messages.length === 1) {
      if (payload.length > limit) {
        this.logger.error({ to, bytes: payload.length, type: messages[0]!.type }, 'raft message above max_payload dropped');
        return;
      }
      this.transport.send(to, payload);
      return;
    }
    const half = messages.length >> 1;
    this.sendBatch(to, messages.slice(0, half));
    this.sendBatch(to, messages.slice(half));
  }
}

// The ready loop's transport on a running node: a Ready's messages go out as one batch per peer,
// split in halves when a batch would exceed the NATS payload limit.
//
// Commit notices (the leader's entry-less appends that only carry a new commit index, COMMIT_ONLY)
// are held back briefly: the Ready that makes them also applies the entries they announce, and the
// clients' replies to those writes should leave first. The node calls sendHeld() right after a
// client reply is published, so the notices share that reply's socket write instead of taking one
// of their own ahead of it; a setImmediate sends them anyway when no reply comes. Messages with
// entries never wait, and held notices travel in front of them, so a peer sees the leader's
// messages in the order Raft made them. Delaying a message is always safe in Raft; this only
// changes when a follower learns a commit index, by a fraction of a turn.
import type { Logger } from 'pino';
import { COMMIT_ONLY } from '../raft/replication.js';
import type { Message } from '../raft/types.js';
import { raftBatchCodec } from './raft-codec.js';
import type { ReadyTransport } from './ready-loop.js';

/** What the sender needs of the NATS transport. */
export interface BatchTransport {
  readonly payloadLimit: number;
  send(to: string, payload: Uint8Array): void;
}

export class PeerSender implements ReadyTransport {
  /** Commit notices waiting for the next reply (or the next turn). */
  private held: Message[] = [];
  private heldTimer: NodeJS.Immediate | null = null;

  constructor(
    private readonly nodeId: string,
    private readonly transport: BatchTransport,
    private readonly logger: Logger,
  ) {}

  send(messages: Message[]): void {
    if (messages.length === 0) return;
    const now: Message[] = [];
    for (const m of messages) {
      if (isCommitNotice(m)) this.held.push(m);
      else now.push(m);
    }
    if (now.length > 0) this.sendNow(now);
    else if (this.held.length > 0 && this.heldTimer === null) this.heldTimer = setImmediate(() => this.sendHeld());
  }

  /** Sends the held commit notices now (the node calls this right after publishing a client reply). */
  sendHeld(): void {
    if (this.held.length === 0) return;
    this.sendNow([]);
  }

  /** Sends `messages` behind any held notices, one batch per peer. */
  private sendNow(messages: Message[]): void {
    const all = this.held.length > 0 ? [...this.held, ...messages] : messages;
    this.held = [];
    if (this.heldTimer !== null) {
      clearImmediate(this.heldTimer);
      this.heldTimer = null;
    }
    const byPeer = new Map<string, Message[]>();
    for (const m of all) {
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

function isCommitNotice(m: Message): boolean {
  return m.type === 'app' && m.context === COMMIT_ONLY && m.entries.length === 0;
}

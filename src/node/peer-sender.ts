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
//
// A follower's acks may only leave once its fsync is done; prepare() frames them (encoding and MAC)
// on the next turn, while the fsync runs, and send() then only publishes. Framed at once they would
// delay the start of the write instead (the log issues it a few microtasks later).
import type { Logger } from 'pino';
import { COMMIT_ONLY } from '../raft/replication.js';
import type { Message } from '../raft/types.js';
import { raftBatchCodec } from './raft-codec.js';
import type { ReadyTransport } from './ready-loop.js';

/** What the sender needs of the NATS transport. */
export interface BatchTransport {
  readonly payloadLimit: number;
  /** The message that carries `payload` to `to` (with a cluster key, the payload and its MAC). */
  frame(to: string, payload: Uint8Array): Uint8Array;
  /** Publishes a framed batch to `to`; never throws. */
  publish(to: string, frame: Uint8Array): void;
}

/** One peer's batch, framed and ready to publish. */
interface Framed {
  to: string;
  frame: Uint8Array;
}

export class PeerSender implements ReadyTransport {
  /** Commit notices waiting for the next reply (or the next turn). */
  private held: Message[] = [];
  private heldTimer: NodeJS.Immediate | null = null;
  /** A follower's acks, framed by prepare() during the fsync they wait for; send() of the same array publishes them. */
  private prepared: { messages: Message[]; frames: Framed[] } | null = null;
  /** Frames the messages given to prepare() on the next turn; cleared by the send() that makes it moot. */
  private prepareTimer: NodeJS.Immediate | null = null;

  constructor(
    private readonly nodeId: string,
    private readonly transport: BatchTransport,
    private readonly logger: Logger,
  ) {}

  /**
   * Frames `messages` on the next turn, unless they were sent by then (the ready loop calls this as a
   * follower's fsync starts, so that encoding and the MAC are off the path from durable to
   * acknowledged). Nothing is published. Only plain messages are prepared: commit notices, or
   * notices held meanwhile, take the usual path.
   */
  prepare(messages: Message[]): void {
    this.cancelPrepared();
    if (this.held.length > 0 || messages.some(isCommitNotice)) return;
    this.prepareTimer = setImmediate(() => {
      this.prepareTimer = null;
      this.prepared = { messages, frames: this.frameAll(messages) };
    });
  }

  private cancelPrepared(): void {
    this.prepared = null;
    if (this.prepareTimer !== null) {
      clearImmediate(this.prepareTimer);
      this.prepareTimer = null;
    }
  }

  send(messages: Message[]): void {
    const prepared = this.prepared;
    this.cancelPrepared();
    if (messages.length === 0) return;
    if (prepared !== null && prepared.messages === messages && this.held.length === 0) {
      this.publish(prepared.frames);
      return;
    }
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
    this.publish(this.frameAll(all));
  }

  private publish(frames: Framed[]): void {
    for (const { to, frame } of frames) this.transport.publish(to, frame);
  }

  /** One batch per peer, in the order of each peer's first message. */
  private frameAll(messages: Message[]): Framed[] {
    const byPeer = new Map<string, Message[]>();
    for (const m of messages) {
      const list = byPeer.get(m.to);
      if (list) list.push(m);
      else byPeer.set(m.to, [m]);
    }
    const out: Framed[] = [];
    for (const [to, list] of byPeer) this.frameBatch(to, list, out);
    return out;
  }

  /** Frames `messages` to `to` as one batch, or as halves when it would exceed the payload limit. */
  private frameBatch(to: string, messages: Message[], out: Framed[]): void {
    const payload = raftBatchCodec.encode({ from: this.nodeId, messages });
    const limit = this.transport.payloadLimit;
    if (payload.length <= limit || messages.length === 1) {
      if (payload.length > limit) {
        this.logger.error({ to, bytes: payload.length, type: messages[0]!.type }, 'raft message above max_payload dropped');
        return;
      }
      out.push({ to, frame: this.transport.frame(to, payload) });
      return;
    }
    const half = messages.length >> 1;
    this.frameBatch(to, messages.slice(0, half), out);
    this.frameBatch(to, messages.slice(half), out);
  }
}

function isCommitNotice(m: Message): boolean {
  return m.type === 'app' && m.context === COMMIT_ONLY && m.entries.length === 0;
}

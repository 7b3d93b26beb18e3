// The client's side of the watch protocol that is shared by all its watches: one NATS subscription
// for every watch's messages (each attempt of each watch has its own subject under one inbox
// prefix), one ack message per serving node every ACK_INTERVAL_MS (or sooner when a watch has
// consumed many events), and one timer that notices silent nodes. See src/transport/WATCH.md.
import { createInbox, type NatsConnection, type Subscription } from 'nats';
import { watchAckCodec, watchAckSubject, watchMessageCodec, type WatchAckEntry, type WatchMessage } from '../transport/watch-messages.js';

/** What the mux needs from one watch. */
export interface MuxedWatch {
  /** Routes a message of `attempt` (a suffix of the subject) to the watch. */
  onMessage(attempt: string, msg: WatchMessage): void;
  /** The node and watch id to acknowledge on, and up to which revision; null when not running. */
  ackEntry(): { nodeId: string; entry: WatchAckEntry } | null;
  /** Called on every timer tick: the watch checks its node's liveness. */
  onTick(now: number): void;
  /** The client is closing: end the watch with this error. */
  abort(error: unknown): void;
}

const ACK_INTERVAL_MS = 500;
/** Ack at once (next turn) when a watch has consumed this many events since its last ack. */
export const ACK_EVERY_EVENTS = 1000;
/** Keeps one ack message far below any max_payload (an entry is ~50 bytes). */
const ACKS_PER_MESSAGE = 2000;

export class WatchMux {
  readonly prefix = createInbox();
  private sub: Subscription | null = null;
  private readonly watches = new Map<string, MuxedWatch>();
  private timer: NodeJS.Timeout | null = null;
  private ackSoon = false;

  constructor(private readonly nc: NatsConnection, private readonly cluster: string) {}

  /** The subject a watch attempt receives on; `key` has no dots. */
  subjectFor(key: string, attempt: number): string {
    return `${this.prefix}.${key}.${attempt}`;
  }

  add(key: string, watch: MuxedWatch): void {
    this.watches.set(key, watch);
    this.ensureRunning();
  }

  remove(key: string): void {
    this.watches.delete(key);
    if (this.watches.size === 0) this.shutdown();
  }

  /** A watch consumed many events: acknowledge on the next turn rather than at the next tick. */
  requestAck(): void {
    if (this.ackSoon) return;
    this.ackSoon = true;
    setImmediate(() => {
      this.ackSoon = false;
      this.sendAcks();
    });
  }

  /** Ends every watch with `error` (the client is closing). */
  close(error: unknown): void {
    for (const w of [...this.watches.values()]) w.abort(error);
    this.watches.clear();
    this.shutdown();
  }

  private ensureRunning(): void {
    if (this.sub) return;
    this.sub = this.nc.subscribe(`${this.prefix}.>`, { callback: (err, msg) => {
      if (err) return;
      // <prefix>.<key>.<attempt>: the prefix itself holds one dot (_INBOX.<id>).
      const rest = msg.subject.slice(this.prefix.length + 1);
      const dot = rest.lastIndexOf('.');
      const watch = this.watches.get(rest.slice(0, dot));
      if (!watch) return;
      let decoded: WatchMessage;
      try {
        decoded = watchMessageCodec.decode(msg.data);
      } catch {
        return; // not from a Keel node: ignore
      }
      watch.onMessage(rest.slice(dot + 1), decoded);
    } });
    this.timer = setInterval(() => this.tick(), ACK_INTERVAL_MS);
  }

  private shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      this.sub?.unsubscribe();
    } catch {
      // connection already closed
    }
    this.sub = null;
  }

  private tick(): void {
    const now = performance.now();
    for (const w of [...this.watches.values()]) w.onTick(now);
    this.sendAcks();
  }

  /** One ack message per serving node, covering every watch running there. */
  private sendAcks(): void {
    const byNode = new Map<string, WatchAckEntry[]>();
    for (const w of this.watches.values()) {
      const a = w.ackEntry();
      if (!a) continue;
      const list = byNode.get(a.nodeId);
      if (list) list.push(a.entry);
      else byNode.set(a.nodeId, [a.entry]);
    }
    if (this.nc.isClosed()) return;
    for (const [nodeId, acks] of byNode) {
      for (let i = 0; i < acks.length; i += ACKS_PER_MESSAGE) {
        try {
          this.nc.publish(watchAckSubject(this.cluster, nodeId), watchAckCodec.encode({ acks: acks.slice(i, i + ACKS_PER_MESSAGE) }));
        } catch {
          // closing or reconnecting: the next tick tries again
        }
      }
    }
  }
}

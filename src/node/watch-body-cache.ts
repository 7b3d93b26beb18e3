// Encodes WatchMessages for many watches at once. Watches on the same range get the very same event
// lists from the hub, so their messages differ only in `watchId`, the record's first field. The
// cache encodes each distinct message once with an empty watchId and, per watch, writes the id in
// front of the rest: Avro encodes a string as a zigzag varint length and the UTF-8 bytes, and an
// empty one as the single byte 0x00. One cache lives for one flush.
import { avroLengthBytes } from '../codec/index.js';
import type { WatchEvent } from '../codec/types.js';
import type { WatchBatch } from '../store/watch-hub.js';
import { watchMessageCodec, type WatchCancelReason, type WatchMessageBody } from '../transport/watch-messages.js';

interface CachedEvents {
  lists: WatchEvent[][];
  prevRevision: number;
  lastRevision: number;
  /** The message encoded with watchId '', without its leading 0x00. */
  tail: Buffer;
}

export class WatchBodyCache {
  private readonly byFirstList = new Map<WatchEvent[], CachedEvents[]>();
  private progressTail: { prevRevision: number; revision: number; tail: Buffer } | null = null;

  constructor(private readonly nodeId: string) {}

  /** The encoded `events` message of these batches for watch `watchId`. */
  events(watchId: string, prevRevision: number, batches: WatchBatch[], lastRevision: number): Buffer {
    const lists = batches.map((b) => b.events);
    const candidates = this.byFirstList.get(lists[0]!) ?? [];
    let hit = candidates.find((c) => c.lastRevision === lastRevision && c.prevRevision === prevRevision && sameLists(c.lists, lists));
    if (!hit) {
      const events = lists.length === 1 ? lists[0]! : lists.flat();
      hit = { lists, prevRevision, lastRevision, tail: this.tailOf(prevRevision, { type: 'events', lastRevision, events }) };
      candidates.push(hit);
      this.byFirstList.set(lists[0]!, candidates);
    }
    return withWatchId(watchId, hit.tail);
  }

  progress(watchId: string, prevRevision: number, revision: number): Buffer {
    const cached = this.progressTail;
    if (cached?.revision !== revision || cached.prevRevision !== prevRevision) {
      this.progressTail = { prevRevision, revision, tail: this.tailOf(prevRevision, { type: 'progress', revision }) };
    }
    return withWatchId(watchId, this.progressTail!.tail);
  }

  cancelled(watchId: string, prevRevision: number, reason: WatchCancelReason, message: string, compactRevision: number): Buffer {
    return watchMessageCodec.encode({
      watchId, nodeId: this.nodeId, prevRevision, body: { type: 'cancelled', reason, message, compactRevision },
    });
  }

  private tailOf(prevRevision: number, body: WatchMessageBody): Buffer {
    const whole = watchMessageCodec.encode({ watchId: '', nodeId: this.nodeId, prevRevision, body });
    return whole.subarray(1);
  }
}

function sameLists(a: WatchEvent[][], b: WatchEvent[][]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Avro string: zigzag varint of the byte length, then the bytes; followed by the cached rest. */
function withWatchId(watchId: string, tail: Buffer): Buffer {
  const id = Buffer.from(watchId, 'utf8');
  const header = avroLengthBytes(id.length);
  const out = Buffer.allocUnsafe(header.length + id.length + tail.length);
  out.set(header, 0);
  id.copy(out, header.length);
  tail.copy(out, header.length + id.length);
  return out;
}

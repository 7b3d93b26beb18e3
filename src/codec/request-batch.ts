// Several API requests (or their responses) in one NATS message. A client sends the requests of one
// event-loop turn that go to the same subject as one message on `<subject>.batch`; the node answers
// them all in one reply, item for item. Why: below the node's own work, every NATS message costs the
// client, nats-server and the node a parse, a dispatch and its share of a socket write, and under 64
// requests in flight those per-message costs were about half of all CPU (docs/performance.md).
//
//   "KB1" | u8 0 | u32 count (big-endian) | count × ( u32 length (big-endian) | length bytes )
//
// Each item is an ordinary encoded request or response. In a reply, a zero-length item means "not
// answered in this batch": its response alone would not fit the reply (max_payload), and the client
// sends that request again on its own.

export const BATCH_MAGIC = Uint8Array.of(0x4b, 0x42, 0x31, 0x00); // "KB1\0"
const HEADER_BYTES = BATCH_MAGIC.length + 4;
const ITEM_HEADER_BYTES = 4;

/** The most requests one batch may carry; a node refuses a batch with more. */
export const MAX_BATCH_ITEMS = 128;

/** The framing bytes a batch of `count` items adds to the items themselves. */
export function batchOverhead(count: number): number {
  return HEADER_BYTES + count * ITEM_HEADER_BYTES;
}

export function encodeBatch(items: readonly Uint8Array[]): Uint8Array {
  let size = batchOverhead(items.length);
  for (const item of items) size += item.length;
  const out = Buffer.allocUnsafe(size);
  out.set(BATCH_MAGIC, 0);
  out.writeUInt32BE(items.length, BATCH_MAGIC.length);
  let at = HEADER_BYTES;
  for (const item of items) {
    out.writeUInt32BE(item.length, at);
    out.set(item, at + ITEM_HEADER_BYTES);
    at += ITEM_HEADER_BYTES + item.length;
  }
  return out;
}

export class MalformedBatchError extends Error {}

/**
 * The items of a batch (views into `bytes`, not copies). Throws MalformedBatchError unless `bytes` is
 * exactly one well-formed batch of at most `maxItems` items.
 */
export function decodeBatch(bytes: Uint8Array, maxItems: number = MAX_BATCH_ITEMS): Uint8Array[] {
  if (!isBatch(bytes)) throw new MalformedBatchError('not a request batch (no KB1 header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(BATCH_MAGIC.length);
  if (count === 0 || count > maxItems) throw new MalformedBatchError(`a batch carries 1 to ${maxItems} items, not ${count}`);
  const items: Uint8Array[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + ITEM_HEADER_BYTES > bytes.length) throw new MalformedBatchError(`item ${i} of ${count} is cut short`);
    const length = view.getUint32(at);
    at += ITEM_HEADER_BYTES;
    if (at + length > bytes.length) throw new MalformedBatchError(`item ${i} of ${count} is cut short`);
    items.push(bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw new MalformedBatchError(`${bytes.length - at} bytes follow the last item`);
  return items;
}

/** Whether `bytes` starts with the batch header (a reply to a batch may instead be one error response). */
export function isBatch(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_BYTES) return false;
  for (let i = 0; i < BATCH_MAGIC.length; i++) if (bytes[i] !== BATCH_MAGIC[i]) return false;
  return true;
}

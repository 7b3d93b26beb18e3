// Authentication of Raft batches with the cluster secret (`--cluster-key-file`): every batch a node
// publishes is framed with its sender id and an HMAC-SHA256, and a receiver checks the MAC before it
// decodes anything. NATS permissions already keep clients off the Raft subjects; this keeps a
// misconfigured server (or a leaked client identity) from injecting Raft traffic all the same.
//
// Frame: u8 version (1) | u8 length of sender id | sender id (ASCII) | 32-byte MAC | payload.
// MAC = HMAC-SHA256(key, "keel-raft/1" 0 cluster 0 sender 0 recipient 0 payload): a batch is valid
// only from the sender it names, to the node it was addressed to, in the cluster it was made for, so
// it cannot be re-addressed to another node or replayed into another cluster that shares the key.
// A replay of a genuine batch to its own recipient is a duplicate, which Raft tolerates by design
// (terms and log indexes make old messages harmless). Generate a new key for a new cluster: batches
// recorded from an earlier cluster with the same name and key would otherwise still verify.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../codec/errors.js';

const VERSION = 1;
const MAC_BYTES = 32;
/** Shortest secret accepted: 32 bytes, as many as the MAC. */
export const MIN_KEY_BYTES = 32;
const encoder = new TextEncoder();

export type RejectReason = 'unframed' | 'badMac' | 'wrongSender';

export type Verified =
  | { ok: true; from: string; payload: Uint8Array }
  | { ok: false; reason: RejectReason; from?: string };

export class RaftAuth {
  private readonly key: Buffer;
  private readonly context: Buffer;

  constructor(key: Uint8Array, private readonly cluster: string) {
    if (key.length < MIN_KEY_BYTES) {
      throw new InvalidArgumentError(`the cluster key must be at least ${MIN_KEY_BYTES} bytes, got ${key.length}`);
    }
    this.key = Buffer.from(key);
    this.context = Buffer.from(`keel-raft/1\0${cluster}\0`);
  }

  /** Frames `payload` from `from` to `to` with its MAC. */
  seal(from: string, to: string, payload: Uint8Array): Uint8Array {
    const fromBytes = encoder.encode(from);
    const out = new Uint8Array(2 + fromBytes.length + MAC_BYTES + payload.length);
    out[0] = VERSION;
    out[1] = fromBytes.length;
    out.set(fromBytes, 2);
    out.set(this.mac(fromBytes, to, payload), 2 + fromBytes.length);
    out.set(payload, 2 + fromBytes.length + MAC_BYTES);
    return out;
  }

  /** Checks a frame received by `self`; the payload is returned only when its MAC is right. */
  open(self: string, frame: Uint8Array): Verified {
    if (frame.length < 2 + MAC_BYTES || frame[0] !== VERSION || frame.length < 2 + frame[1]! + MAC_BYTES) {
      return { ok: false, reason: 'unframed' };
    }
    const fromEnd = 2 + frame[1]!;
    const fromBytes = frame.subarray(2, fromEnd);
    const payload = frame.subarray(fromEnd + MAC_BYTES);
    const expected = this.mac(fromBytes, self, payload);
    const from = Buffer.from(fromBytes).toString('latin1');
    if (!timingSafeEqual(expected, frame.subarray(fromEnd, fromEnd + MAC_BYTES))) return { ok: false, reason: 'badMac', from };
    return { ok: true, from, payload };
  }

  /** The overhead a frame adds to a payload from `from`. */
  static overhead(from: string): number {
    return 2 + encoder.encode(from).length + MAC_BYTES;
  }

  private mac(fromBytes: Uint8Array, to: string, payload: Uint8Array): Buffer {
    return createHmac('sha256', this.key)
      .update(this.context)
      .update(fromBytes)
      .update(`\0${to}\0`)
      .update(payload)
      .digest();
  }
}

/** Reads a cluster key file: its bytes, surrounding whitespace removed (so a hex line works). */
export async function readClusterKey(file: string): Promise<Uint8Array> {
  const raw = await readFile(file).catch((err: Error) => {
    throw new InvalidArgumentError(`cannot read the cluster key file ${file}: ${err.message}`);
  });
  const key = Buffer.from(raw.toString('latin1').trim(), 'latin1');
  if (key.length < MIN_KEY_BYTES) {
    throw new InvalidArgumentError(`the cluster key file ${file} holds ${key.length} bytes; at least ${MIN_KEY_BYTES} are needed (keel nats-config writes one)`);
  }
  return key;
}

/** Writes a new random cluster key (64 hex characters, readable by the owner only); never overwrites. */
export async function writeClusterKey(file: string): Promise<void> {
  await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
}

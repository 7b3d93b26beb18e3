// The null Keel's subjects and its one frame: u8 kind | u32 seq | u16 key length | key | value.
export const followerIds = ['f1', 'f2'] as const;

export const SUBJECTS = {
  put: 'floor.put',
  /** Several puts in one message (packFrames of Put frames), as Keel's client batches a turn's requests. */
  putBatch: 'floor.put.batch',
  get: 'floor.get',
  raft: (to: string) => `floor.raft.${to}`,
  ping: (id: string) => `floor.ping.${id}`,
  /** Watch events: `floor.watch.<key>` (keys are dot-separated tokens, as in the benchmark's). */
  watch: (key: string) => `floor.watch.${key}`,
  watchPrefix: 'floor.watch.',
};

export enum Kind { Put = 0, Append = 1, Ack = 2, Commit = 3, Reply = 4, Get = 5 }

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function frame(kind: Kind, seq: number, key = '', value: Uint8Array = new Uint8Array(0)): Uint8Array {
  const k = encoder.encode(key);
  const out = new Uint8Array(7 + k.length + value.length);
  const view = new DataView(out.buffer);
  out[0] = kind;
  view.setUint32(1, seq);
  view.setUint16(5, k.length);
  out.set(k, 7);
  out.set(value, 7 + k.length);
  return out;
}

export function unframe(bytes: Uint8Array): { kind: Kind; seq: number; key: string; value: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keyLength = view.getUint16(5);
  return {
    kind: bytes[0] as Kind,
    seq: view.getUint32(1),
    key: decoder.decode(bytes.subarray(7, 7 + keyLength)),
    value: bytes.subarray(7 + keyLength),
  };
}

/** Several frames in one payload: u32 length before each. */
export function packFrames(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const f of frames) {
    view.setUint32(at, f.length);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

export function unpackFrames(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const length = view.getUint32(at);
    frames.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return frames;
}

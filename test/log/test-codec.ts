// A tiny codec for the log's unit tests, so they do not depend on the Avro codec:
// v1 payload = f64 index | f64 term | data;  v2 payload = f64 term | f64 index | u8 tag | data.
import type { LogCodec } from '../../src/log/index.js';

export interface TestEntry {
  index: number;
  term: number;
  data: Uint8Array;
  /** Only v2 writes it; v1 payloads decode with tag 0. */
  tag?: number;
}

export const testCodecV1: LogCodec<TestEntry> = {
  fingerprint: Buffer.from('testv1\0\0', 'latin1'),
  encode(entry) {
    const buf = Buffer.allocUnsafe(16 + entry.data.length);
    buf.writeDoubleLE(entry.index, 0);
    buf.writeDoubleLE(entry.term, 8);
    buf.set(entry.data, 16);
    return buf;
  },
  decode(payload) {
    const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return { index: view.readDoubleLE(0), term: view.readDoubleLE(8), data: Uint8Array.prototype.slice.call(view, 16), tag: 0 };
  },
  peekIndexTerm(payload) {
    const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return { index: view.readDoubleLE(0), term: view.readDoubleLE(8) };
  },
};

export const testCodecV2: LogCodec<TestEntry> = {
  fingerprint: Buffer.from('testv2\0\0', 'latin1'),
  encode(entry) {
    const buf = Buffer.allocUnsafe(17 + entry.data.length);
    buf.writeDoubleLE(entry.term, 0);
    buf.writeDoubleLE(entry.index, 8);
    buf.writeUInt8(entry.tag ?? 0, 16);
    buf.set(entry.data, 17);
    return buf;
  },
  decode(payload) {
    const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return { term: view.readDoubleLE(0), index: view.readDoubleLE(8), tag: view.readUInt8(16), data: Uint8Array.prototype.slice.call(view, 17) };
  },
  peekIndexTerm(payload) {
    const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return { term: view.readDoubleLE(0), index: view.readDoubleLE(8) };
  },
};

/** Entries [from, to] with term = termOf(index) and data naming the index. */
export function makeEntries(from: number, to: number, termOf: (index: number) => number = () => 1, pad = 0): TestEntry[] {
  const entries: TestEntry[] = [];
  for (let index = from; index <= to; index++) {
    entries.push({ index, term: termOf(index), data: Buffer.from(`entry-${index}` + 'x'.repeat(pad)) });
  }
  return entries;
}

export function dataOf(entry: TestEntry): string {
  return Buffer.from(entry.data).toString().replace(/x+$/, '');
}

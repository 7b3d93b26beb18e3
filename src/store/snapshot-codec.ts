// The snapshot file format (DESIGN.md "On disk": snap/<index>-<term>.snap). The same bytes travel
// to a lagging follower in InstallSnapshot chunks and are written to its disk unchanged.
//
//   header, 24 bytes (little-endian): magic "KEELSNP\0" · u16 version (1) · u16 reserved ·
//     8-byte fingerprint of keel.SnapshotFormat · u32 crc32 of the preceding 20 bytes
//   frames (Keel's one frame, src/codec/framing.ts): u32 length | u32 crc32(payload) | payload (Avro)
//     1 × keel.SnapshotHead  (raft meta, revisions, leases, dedup table, kv and block counts)
//     N × keel.SnapshotKvBlock (key-values in ascending key order)
//     1 × keel.SnapshotEnd   (repeats the counts: a file cut short is detected, not half-loaded)
//
// Encoding is streamed block by block, yielding to the event loop between blocks, so a snapshot of
// a million keys never exists as one giant object and never stalls the node for long.
import { crc32, frame, readFrame } from '../codec/framing.js';
import { fingerprintHex, HISTORY_DIR, makeCodec, schemaFingerprint, typeNamed, type Codec } from '../codec/index.js';
import type { Registry } from '../codec/schemas.js';
import { loadHistory } from '../codec/history.js';
import { asBuffer } from '../codec/codec.js';
import { keyValueFromAvro, outcomeFromAvro, outcomeToAvro, type Decoded } from '../codec/map-command.js';
import type { KeyValue } from '../codec/types.js';
import type { DedupClientSnapshot, StoreSnapshot, StoreSnapshotView } from './snapshot.js';

/** Raft's snapshot metadata (structurally raft's SnapshotMeta; the store does not import raft). */
export interface SnapshotMetaShape {
  index: number;
  term: number;
  conf: { voters: string[]; learners: string[] };
}

export interface DecodedSnapshot {
  meta: SnapshotMetaShape;
  store: StoreSnapshot;
}

/** What the head frame says, without decoding the key-values (inspect, listings). */
export interface SnapshotSummary {
  meta: SnapshotMetaShape;
  revision: number;
  compactRevision: number;
  kvCount: number;
  blockCount: number;
  leases: number;
  clients: number;
}

export class SnapshotCorruptError extends Error {
  constructor(readonly offset: number, readonly reason: string) {
    super(`snapshot corrupt at offset ${offset}: ${reason}`);
    this.name = 'SnapshotCorruptError';
  }
}

const SNAPSHOT_MAGIC = Buffer.from('KEELSNP\0', 'latin1');
const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER_BYTES = 24;
/** Key-values per block: ~300 KB of 256-byte values, about a millisecond of encoding. */
const DEFAULT_BLOCK_KVS = 1024;

const SNAPSHOT_FINGERPRINT = Buffer.from(schemaFingerprint(typeNamed('keel.SnapshotFormat')));

interface HeadRecord {
  index: number;
  term: number;
  voters: string[];
  learners: string[];
  revision: number;
  compactRevision: number;
  appliedIndex: number;
  kvCount: number;
  blockCount: number;
  leases: { id: number; ttlMs: number }[];
  clients: DedupClientSnapshot[];
}

const headCodec = makeCodec<HeadRecord>(
  typeNamed('keel.SnapshotHead'),
  (h) => ({
    ...h,
    clients: h.clients.map((c) => ({ ...c, outcomes: c.outcomes.map((o) => ({ seq: o.seq, outcome: outcomeToAvro(o.outcome) })) })),
  }),
  headFromAvro,
);
function headFromAvro(r: Decoded): HeadRecord {
  return {
    index: r.index,
    term: r.term,
    voters: [...r.voters],
    learners: [...r.learners],
    revision: r.revision,
    compactRevision: r.compactRevision,
    appliedIndex: r.appliedIndex,
    kvCount: r.kvCount,
    blockCount: r.blockCount,
    leases: r.leases.map((l: Decoded) => ({ id: l.id, ttlMs: l.ttlMs })),
    clients: r.clients.map((c: Decoded) => ({
      clientId: c.clientId,
      lastSeenIndex: c.lastSeenIndex,
      maxSeq: c.maxSeq,
      outcomes: c.outcomes.map((o: Decoded) => ({ seq: o.seq, outcome: outcomeFromAvro(o.outcome) })),
    })),
  };
}
const blockFromAvro = (r: Decoded): { kvs: KeyValue[] } => ({ kvs: r.kvs.map(keyValueFromAvro) });
const endFromAvro = (r: Decoded): { kvCount: number; blockCount: number } => ({ kvCount: r.kvCount, blockCount: r.blockCount });
const blockCodec = makeCodec<{ kvs: KeyValue[] }>(typeNamed('keel.SnapshotKvBlock'), undefined, blockFromAvro);
const endCodec = makeCodec<{ kvCount: number; blockCount: number }>(typeNamed('keel.SnapshotEnd'), undefined, endFromAvro);

function fileHeader(): Buffer {
  const b = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  SNAPSHOT_MAGIC.copy(b, 0);
  b.writeUInt16LE(SNAPSHOT_VERSION, 8);
  SNAPSHOT_FINGERPRINT.copy(b, 12);
  b.writeUInt32LE(crc32(b.subarray(0, 20)), 20);
  return b;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A snapshot's kvs as blocks, whether held as an array or as a view. */
function asView(store: StoreSnapshot | StoreSnapshotView): StoreSnapshotView {
  if (!('kvs' in store)) return store;
  const { kvs, ...rest } = store;
  return {
    ...rest,
    kvCount: kvs.length,
    *kvBlocks(blockKvs: number): Iterable<KeyValue[]> {
      for (let at = 0; at < kvs.length; at += blockKvs) yield kvs.slice(at, at + blockKvs);
    },
  };
}

/**
 * The snapshot's bytes, piece by piece: the header with the head frame, then one buffer per block
 * of key-values (yielding to the event loop before each), then the end frame. The store must be a
 * point-in-time view (KvStore.snapshotView, or toSnapshot: its KeyValue objects are never mutated).
 */
export async function* encodeSnapshot(meta: SnapshotMetaShape, snapshot: StoreSnapshot | StoreSnapshotView, blockKvs = DEFAULT_BLOCK_KVS): AsyncGenerator<Buffer> {
  const store = asView(snapshot);
  const kvCount = store.kvCount;
  const blockCount = Math.ceil(kvCount / blockKvs);
  const head = headCodec.encode({
    index: meta.index,
    term: meta.term,
    voters: [...meta.conf.voters],
    learners: [...meta.conf.learners],
    revision: store.revision,
    compactRevision: store.compactRevision,
    appliedIndex: store.appliedIndex,
    kvCount,
    blockCount,
    leases: store.leases,
    clients: store.clients,
  });
  yield Buffer.concat([fileHeader(), frame(head)]);
  let written = 0;
  for (const kvs of store.kvBlocks(blockKvs)) {
    await nextTurn();
    written += kvs.length;
    yield frame(blockCodec.encode({ kvs }));
  }
  if (written !== kvCount) throw new Error(`snapshot view yielded ${written} key-values, announced ${kvCount}`);
  yield frame(endCodec.encode({ kvCount, blockCount }));
}

/** The whole snapshot as one buffer (tests, tools; the node streams with encodeSnapshot). */
export async function encodeSnapshotToBuffer(meta: SnapshotMetaShape, store: StoreSnapshot | StoreSnapshotView, blockKvs = DEFAULT_BLOCK_KVS): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of encodeSnapshot(meta, store, blockKvs)) parts.push(part);
  return Buffer.concat(parts);
}

interface FrameCodecs {
  head: { decode(b: Uint8Array): HeadRecord };
  block: { decode(b: Uint8Array): { kvs: KeyValue[] } };
  end: { decode(b: Uint8Array): { kvCount: number; blockCount: number } };
}

/**
 * Decoders by the fingerprint a file's header carries: the current schema, and every older
 * keel.SnapshotFormat in schemas/history read through Avro schema resolution (fields added since
 * take their defaults), so snapshots written before a schema change still load.
 */
function frameCodecsByFingerprint(): Map<string, FrameCodecs> {
  const byFingerprint = new Map<string, FrameCodecs>([[fingerprintHex(SNAPSHOT_FINGERPRINT), { head: headCodec, block: blockCodec, end: endCodec }]]);
  const resolving = <T>(reader: Codec<T>, writers: Registry, fromAvro: (r: Decoded) => T): { decode(b: Uint8Array): T } => {
    const resolver = reader.type.createResolver(writers[reader.type.name!]!);
    return { decode: (b) => fromAvro(reader.type.fromBuffer(asBuffer(b), resolver)) };
  };
  for (const version of loadHistory(HISTORY_DIR)) {
    const format = version.registry['keel.SnapshotFormat'];
    if (!format) continue;
    const hex = fingerprintHex(schemaFingerprint(format));
    if (byFingerprint.has(hex)) continue;
    byFingerprint.set(hex, {
      head: resolving(headCodec, version.registry, headFromAvro),
      block: resolving(blockCodec, version.registry, blockFromAvro),
      end: resolving(endCodec, version.registry, endFromAvro),
    });
  }
  return byFingerprint;
}

let frameCodecs: Map<string, FrameCodecs> | undefined;

/** Walks the frames of a snapshot, checking header, CRCs, order and completeness. */
class FrameReader {
  private at = SNAPSHOT_HEADER_BYTES;
  readonly codecs: FrameCodecs;

  constructor(private readonly bytes: Buffer) {
    if (bytes.length < SNAPSHOT_HEADER_BYTES) throw new SnapshotCorruptError(0, `only ${bytes.length} bytes, shorter than the header`);
    if (!bytes.subarray(0, 8).equals(SNAPSHOT_MAGIC)) throw new SnapshotCorruptError(0, 'not a Keel snapshot (bad magic)');
    if (crc32(bytes.subarray(0, 20)) !== bytes.readUInt32LE(20)) throw new SnapshotCorruptError(0, 'header fails its CRC');
    const version = bytes.readUInt16LE(8);
    if (version !== SNAPSHOT_VERSION) throw new SnapshotCorruptError(8, `unsupported format version ${version}`);
    frameCodecs ??= frameCodecsByFingerprint(); // sync read of schemas/history, once
    const codecs = frameCodecs.get(bytes.subarray(12, 20).toString('hex'));
    if (!codecs) {
      throw new SnapshotCorruptError(12, `written with an unknown snapshot schema (fingerprint ${bytes.subarray(12, 20).toString('hex')})`);
    }
    this.codecs = codecs;
  }

  get offset(): number {
    return this.at;
  }

  get atEnd(): boolean {
    return this.at === this.bytes.length;
  }

  next<T>(codec: { decode(b: Uint8Array): T }, what: string): T {
    const start = this.at;
    const read = readFrame(this.bytes, start);
    if (!read.ok) {
      if (read.reason === 'short frame') throw new SnapshotCorruptError(start, `file ends before the ${what} frame`);
      if (read.reason === 'crc mismatch') throw new SnapshotCorruptError(start, `${what} frame fails its CRC`);
      throw new SnapshotCorruptError(start, `${what} frame of ${read.length} bytes runs past the end`);
    }
    this.at = read.end;
    try {
      return codec.decode(read.payload);
    } catch (err) {
      throw new SnapshotCorruptError(start, `${what} frame does not decode: ${(err as Error).message}`);
    }
  }
}

function metaOf(head: HeadRecord): SnapshotMetaShape {
  return { index: head.index, term: head.term, conf: { voters: head.voters, learners: head.learners } };
}

/** Decodes and checks a whole snapshot. Throws SnapshotCorruptError naming the offset and reason. */
export function decodeSnapshot(bytes: Uint8Array): DecodedSnapshot {
  const reader = new FrameReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const head = reader.next(reader.codecs.head, 'head');
  const kvs: KeyValue[] = [];
  for (let i = 0; i < head.blockCount; i++) {
    for (const kv of reader.next(reader.codecs.block, `kv block ${i}`).kvs) kvs.push(kv);
  }
  const endAt = reader.offset;
  const end = reader.next(reader.codecs.end, 'end');
  if (end.kvCount !== head.kvCount || end.blockCount !== head.blockCount || kvs.length !== head.kvCount) {
    throw new SnapshotCorruptError(endAt, `counts disagree: head ${head.kvCount} kvs in ${head.blockCount} blocks, end ${end.kvCount}/${end.blockCount}, read ${kvs.length}`);
  }
  if (!reader.atEnd) throw new SnapshotCorruptError(reader.offset, 'bytes after the end frame');
  return {
    meta: metaOf(head),
    store: {
      revision: head.revision,
      compactRevision: head.compactRevision,
      appliedIndex: head.appliedIndex,
      kvs,
      leases: head.leases,
      clients: head.clients,
    },
  };
}

/** Reads only the header and head frame (cheap; does not check the key-value blocks). */
export function summarizeSnapshot(bytes: Uint8Array): SnapshotSummary {
  const reader = new FrameReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const head = reader.next(reader.codecs.head, 'head');
  return {
    meta: metaOf(head),
    revision: head.revision,
    compactRevision: head.compactRevision,
    kvCount: head.kvCount,
    blockCount: head.blockCount,
    leases: head.leases.length,
    clients: head.clients.length,
  };
}

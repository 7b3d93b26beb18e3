// Seeded hostile payloads for every subject a node listens on: valid Avro encodings of Raft batches,
// API requests and watch acks whose fields were made hostile (huge counts, negative or huge indexes
// and terms, unknown or forged node ids, oversized keys, subject-breaking strings), byte-level
// mutations of those encodings, and plain random bytes. Same seed, same payloads.
import { encodeRequest } from '../../src/codec/index.js';
import type { ApiRequest, RequestType } from '../../src/codec/types.js';
import { raftBatchCodec, type RaftBatch } from '../../src/node/raft-codec.js';
import { blankMessage, type Message, type MessageType } from '../../src/raft/types.js';
import { REQUEST_TYPES } from '../../src/codec/request-types.js';
import { isTypeAllowed, type ApiScope } from '../../src/transport/subjects.js';
import { encodeBatch } from '../../src/codec/request-batch.js';
import { watchAckCodec, watchAckSubject } from '../../src/transport/watch-messages.js';
import { requests as sampleRequests } from '../codec/samples.js';

/** mulberry32: small, fast, seeded. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Payload {
  subject: string;
  data: Uint8Array;
  /** Set for requests: where the answer goes. */
  reply?: string;
  /** What kind of payload this is, for the counts. */
  kind: 'raft' | 'api' | 'watchAck' | 'junkSubject';
  form: 'hostile' | 'mutated' | 'random';
  /** Raft: who the batch claims to be from and who it is for (to seal it with a cluster key). */
  raft?: { from: string; to: string };
}

const RAFT_TYPES: MessageType[] = [
  'app', 'appResp', 'heartbeat', 'heartbeatResp', 'vote', 'voteResp', 'preVote', 'preVoteResp',
  'snap', 'snapResp', 'readIndex', 'readIndexResp', 'timeoutNow', 'transferLeader',
];
const typesOf = (scope: ApiScope): RequestType[] => (Object.keys(REQUEST_TYPES) as RequestType[]).filter((t) => isTypeAllowed(scope, t));
const LEADER_TYPES = typesOf('leader');
const API_TYPES = typesOf('api');
const NODE_TYPES = typesOf('node');
const ADMIN_TYPES = typesOf('admin');
const HOSTILE_NUMBERS = [0, -1, 1, 2, 3, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 48, 2 ** 48 + 1, 2 ** 53 - 1, -(2 ** 53 - 1), 1e15];
const HOSTILE_STRINGS = ['', 'zz', 'a.b', '*', '>', 'keel.x.raft.n1', '\u0000\uffff\ud800', 'n'.repeat(5000), 'é'.repeat(300)];

export class HostilePayloads {
  private readonly rnd: () => number;
  private readonly ids: string[];

  constructor(seed: number, private readonly cluster: string, ids: string[], private readonly replyPrefix: string) {
    this.rnd = seededRandom(seed);
    this.ids = ids;
  }

  /** The next payload: about 40% Raft, 40% API, 12% watch acks, 8% junk subjects. */
  next(): Payload {
    const r = this.rnd();
    if (r < 0.4) return this.raft();
    if (r < 0.8) return this.api();
    if (r < 0.92) return this.watchAck();
    return { subject: this.junkSubject(), data: this.randomBytes(this.int(0, 2000)), kind: 'junkSubject', form: 'random', reply: this.reply() };
  }

  // ------------------------------------------------------------------ per subject

  private raft(): Payload {
    const to = this.pick(this.ids);
    const subject = `keel.${this.cluster}.raft.${to}`;
    const form = this.form();
    if (form === 'random') return { subject, data: this.randomBytes(this.int(0, 4096)), kind: 'raft', form, raft: { from: this.pick(this.ids), to } };
    // Half of the batches pass the node's sanity checks (a real peer's id, sane numbers) and reach
    // Raft's step; the rest carry what no peer sends.
    const plausible = this.rnd() < 0.5;
    const from = plausible ? this.pick(this.ids.filter((id) => id !== to)) : this.pick([...this.ids, 'zz', '', 'a.b']);
    const count = this.rnd() < 0.05 ? this.int(50, 400) : this.int(1, 4);
    const messages: Message[] = [];
    for (let i = 0; i < count; i++) messages.push(plausible ? this.plausibleMessage(from, to) : this.hostileMessage(from, to));
    const batch: RaftBatch = { from: plausible || this.rnd() < 0.5 ? from : this.pick(this.ids), messages };
    const data = this.encodeOr(() => raftBatchCodec.encode(batch));
    return { subject, data: form === 'mutated' ? this.mutateBytes(data) : data, kind: 'raft', form, raft: { from: batch.from, to } };
  }

  /**
   * A message a correct peer could almost send: sane numbers, but terms and indexes that do not
   * extend anyone's real log (appends start far beyond it), so the fuzz exercises Raft's step
   * without forging committed history; that would need the cluster key and is not a crash.
   */
  private plausibleMessage(from: string, to: string): Message {
    const type = this.pick(RAFT_TYPES);
    const m = blankMessage(type, from, to, this.pick([0, 1, 2, 3, this.int(4, 1000), 2 ** 19, 2 ** 40]));
    m.index = this.pick([0, 1, this.int(2, 50), 2 ** 30 + this.int(0, 1000)]);
    m.logTerm = this.int(0, 3);
    m.commit = this.pick([0, 1, this.int(0, 100), 2 ** 47]);
    m.reject = this.rnd() < 0.3;
    m.rejectHint = this.int(0, 100);
    m.rejectTerm = this.int(0, 5);
    m.context = this.pick(['', 'transfer', 'ctx-' + this.int(0, 9), this.pick(this.ids)]);
    if (type === 'app' && this.rnd() < 0.7) {
      m.index = 2 ** 30 + this.int(0, 1000);
      const n = this.int(1, 20);
      for (let i = 0; i < n; i++) {
        m.entries.push({ index: m.index + 1 + i, term: Math.max(m.logTerm, m.term), type: this.rnd() < 0.8 ? 'normal' : 'config', data: this.randomBytes(this.int(0, 64)) });
      }
    }
    if (type === 'snap') {
      m.snapIndex = this.pick([1, this.int(2, 100), 2 ** 30]);
      m.snapTerm = this.int(0, m.term);
      m.snapVoters = this.rnd() < 0.5 ? [...this.ids] : ['zz'];
      m.chunkOffset = this.pick([0, 0, this.int(1, 1000)]);
      m.chunkData = this.randomBytes(this.int(0, 2048));
      m.chunkDone = this.rnd() < 0.5;
    }
    return m;
  }

  private hostileMessage(from: string, to: string): Message {
    const m = blankMessage(this.pick(RAFT_TYPES), from, this.rnd() < 0.8 ? to : this.pick([...this.ids, 'zz']), this.pick(HOSTILE_NUMBERS));
    for (const f of ['logTerm', 'index', 'commit', 'rejectHint', 'rejectTerm', 'snapIndex', 'snapTerm', 'chunkOffset'] as const) {
      if (this.rnd() < 0.5) m[f] = this.pick(HOSTILE_NUMBERS);
    }
    if (this.rnd() < 0.3) {
      const n = this.rnd() < 0.1 ? this.int(100, 2000) : this.int(1, 10);
      for (let i = 0; i < n; i++) {
        m.entries.push({ index: this.pick(HOSTILE_NUMBERS), term: this.pick(HOSTILE_NUMBERS), type: 'normal', data: this.randomBytes(this.int(0, 32)) });
      }
    }
    if (this.rnd() < 0.2) m.snapVoters = Array.from({ length: this.int(0, 500) }, () => this.pick(HOSTILE_STRINGS));
    if (this.rnd() < 0.2) m.context = this.pick(HOSTILE_STRINGS);
    if (this.rnd() < 0.2) m.chunkData = this.randomBytes(this.int(0, 64 * 1024));
    m.chunkDone = this.rnd() < 0.5;
    return m;
  }

  private api(): Payload {
    const { subject, type } = this.apiSubject();
    const reply = this.reply();
    const form = this.form();
    if (form === 'random') return { subject, data: this.randomBytes(this.int(0, 2000)), kind: 'api', form, reply };
    // A sample request of the subject's type (or, sometimes, of another type), with hostile fields.
    const sameType = sampleRequests.filter((r) => r.body.type === type);
    const template = sameType.length > 0 && this.rnd() < 0.85 ? this.pick(sameType) : this.pick(sampleRequests);
    // Sometimes a request batch (request-batch.ts) on the subject's .batch form, of hostile items.
    if (!subject.includes('.admin.') && this.rnd() < 0.15) {
      const n = this.rnd() < 0.05 ? this.int(100, 300) : this.int(0, 8);
      const items = Array.from({ length: n }, () => this.encodeOr(() => encodeRequest(this.hostileRequest(template))));
      const batch = encodeBatch(items);
      return { subject: `${subject}.batch`, data: form === 'mutated' ? this.mutateBytes(batch) : batch, kind: 'api', form, reply };
    }
    const req = this.hostileRequest(template);
    const data = this.encodeOr(() => encodeRequest(req));
    return { subject, data: form === 'mutated' ? this.mutateBytes(data) : data, kind: 'api', form, reply };
  }

  private hostileRequest(template: ApiRequest): ApiRequest {
    const req = this.mutate(structuredClone(template), '') as ApiRequest;
    if (req.requestId && this.rnd() < 0.5) req.requestId = { clientId: `fuzz-${this.int(0, 50)}`, seq: this.int(0, 1000) };
    const body = req.body as unknown as Record<string, unknown>;
    // Membership and snapshots are admin operations (permissions are another item): the fuzz only
    // ever names members that do not exist and snapshots that were never taken.
    if (body.type === 'memberAdd') return { requestId: null, body: { type: 'status' } };
    if (body.type === 'memberRemove' || body.type === 'memberPromote' || body.type === 'memberTransferLeader') body.id = `ghost-${this.int(0, 99)}`;
    if (body.type === 'snapshotSave' && body.snapshotId === '') body.snapshotId = `fz-${this.int(0, 99)}`;
    return req;
  }

  private watchAck(): Payload {
    const subject = watchAckSubject(this.cluster, this.pick(this.ids));
    const form = this.form();
    if (form === 'random') return { subject, data: this.randomBytes(this.int(0, 512)), kind: 'watchAck', form };
    const n = this.rnd() < 0.05 ? this.int(1000, 20_000) : this.int(0, 5);
    const acks = Array.from({ length: n }, () => ({ watchId: this.pick(['w-1', '', ...HOSTILE_STRINGS.slice(0, 4)]), revision: this.pick(HOSTILE_NUMBERS) }));
    const data = this.encodeOr(() => watchAckCodec.encode({ acks }));
    return { subject, data: form === 'mutated' ? this.mutateBytes(data) : data, kind: 'watchAck', form };
  }

  // ------------------------------------------------------------------ subjects

  private apiSubject(): { subject: string; type: string } {
    const c = this.cluster;
    const r = this.rnd();
    if (r < 0.4) {
      const type = this.pick([...API_TYPES, 'bogus']);
      return { subject: `keel.${c}.api.${type}`, type };
    }
    if (r < 0.65) {
      const type = this.pick([...LEADER_TYPES, 'bogus'] as string[]);
      return { subject: `keel.${c}.leader.${type}`, type };
    }
    if (r < 0.75) {
      const type = this.pick([...ADMIN_TYPES, 'bogus'] as string[]);
      return this.rnd() < 0.7 ? { subject: `keel.${c}.admin.${type}`, type } : { subject: `keel.${c}.admin.node.${this.pick(this.ids)}.${type}`, type };
    }
    const type = this.pick([...NODE_TYPES, 'put'] as RequestType[]);
    return { subject: `keel.${c}.node.${this.pick(this.ids)}.${type}`, type };
  }

  private junkSubject(): string {
    const c = this.cluster;
    return this.pick([
      `keel.${c}.api.range.extra`, `keel.${c}.node.${this.pick(this.ids)}`, `keel.${c}.node.${this.pick(this.ids)}.a.b`,
      `keel.${c}.leader`, `keel.${c}.watch.${this.pick(this.ids)}.ack`, `keel.${c}.raft.${this.pick(this.ids)}`,
      `keel.${c}.svc.${this.pick(this.ids)}.status`, `keel.${c}.admin.node.${this.pick(this.ids)}`,
    ]);
  }

  private reply(): string {
    return `${this.replyPrefix}.${this.int(0, 1_000_000)}`;
  }

  // ------------------------------------------------------------------ mutation

  /** Makes some fields of a decoded-shape object hostile, keeping its Avro shape where it can. */
  private mutate(value: unknown, field: string): unknown {
    if (field === 'type' || field === 'target' || field === 'result') return value; // union branches and enums
    if (typeof value === 'number') return this.rnd() < 0.3 ? this.pick(HOSTILE_NUMBERS) : value;
    if (typeof value === 'boolean') return this.rnd() < 0.3 ? !value : value;
    if (typeof value === 'string') return this.rnd() < 0.3 ? this.pick(HOSTILE_STRINGS) : value;
    if (value instanceof Uint8Array) return this.rnd() < 0.3 ? this.hostileBytes(field) : value;
    if (Array.isArray(value)) {
      const items = value.map((v) => this.mutate(v, field));
      if (items.length > 0 && this.rnd() < 0.1) {
        const n = this.int(100, 3000); // a huge count of small items
        return Array.from({ length: n }, (_, i) => items[i % items.length]);
      }
      return this.rnd() < 0.1 ? [] : items;
    }
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.mutate(v, k);
      return out;
    }
    return value;
  }

  /** Keys and range ends: empty, small, just over the key limit, or far over it; values stay small. */
  private hostileBytes(field: string): Uint8Array {
    if (field === 'value') return this.randomBytes(this.pick([0, 1, this.int(2, 64)]));
    return this.randomBytes(this.pick([0, 1, this.int(2, 64), 4097, this.int(5000, 70_000)]));
  }

  private mutateBytes(data: Uint8Array): Uint8Array {
    const out = Buffer.from(data);
    if (out.length === 0) return this.randomBytes(8);
    switch (this.int(0, 4)) {
      case 0: // flip a few bits
        for (let i = this.int(1, 8); i > 0; i--) out[this.int(0, out.length - 1)]! ^= 1 << this.int(0, 7);
        return out;
      case 1: // truncate
        return out.subarray(0, this.int(0, out.length - 1));
      case 2: // a huge varint (array count or length) in the middle
        return Buffer.concat([out.subarray(0, this.int(0, out.length)), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), out.subarray(this.int(0, out.length))]);
      case 3: // random bytes spliced in
        return Buffer.concat([out.subarray(0, this.int(0, out.length)), this.randomBytes(this.int(1, 64)), out.subarray(this.int(0, out.length))]);
      default: // trailing garbage
        return Buffer.concat([out, this.randomBytes(this.int(1, 32))]);
    }
  }

  private encodeOr(encode: () => Uint8Array): Uint8Array {
    try {
      return encode();
    } catch {
      return this.randomBytes(this.int(1, 256)); // a hostile value Avro refused to encode
    }
  }

  private form(): Payload['form'] {
    const r = this.rnd();
    return r < 0.6 ? 'hostile' : r < 0.9 ? 'mutated' : 'random';
  }

  private randomBytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = (this.rnd() * 256) | 0;
    return out;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rnd() * items.length)]!;
  }
}

// Consumer-group offsets: /keel/offsets/<group>/<topic>/<partition> holds the committed offset as a
// decimal string. A commit of many partitions is one txn per chunk of the server's txn op limit
// (each chunk is atomic; chunks go out together);
// `expected` turns an entry into a compare-and-swap, judged per partition: entries whose expectation
// fails are reported with the offset found, the others are committed.
import { InvalidArgumentError } from '../codec/errors.js';
import type { Compare, TxnOp } from '../codec/types.js';
import type { KeyValueApi } from '../client/kv-api.js';
import type { TxnItem } from '../client/results.js';
import { cmp, op } from '../client/txn.js';
import { checkGroupId, checkPartitionIndex, checkTopicName, offsetKey, offsetsPrefix } from './keys.js';

export interface OffsetCommit {
  topic: string;
  partition: number;
  offset: number;
  /** Commit only if the stored offset is this (null: only if none is stored). Omitted: unconditional. */
  expected?: number | null;
}

export interface OffsetCommitResult {
  topic: string;
  partition: number;
  committed: boolean;
  /** The stored offset after the call (the one that failed the expectation, when not committed). */
  offset: number | null;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
  revision: number;
}

/** Writes per txn; under the default limit of 128 operations (and compares) per txn. */
const CHUNK = 100;
const MAX_ATTEMPTS = 8;

export class OffsetsApi {
  constructor(private readonly kv: KeyValueApi) {}

  async commit(group: string, entries: readonly OffsetCommit[]): Promise<{ results: OffsetCommitResult[]; revision: number }> {
    checkGroupId(group);
    const seen = new Set<string>();
    for (const e of entries) {
      checkTopicName(e.topic);
      checkPartitionIndex(e.partition);
      checkOffset(e.offset, 'offset');
      if (e.expected !== undefined && e.expected !== null) checkOffset(e.expected, 'expected');
      const key = `${e.topic}/${e.partition}`;
      if (seen.has(key)) throw new InvalidArgumentError(`partition ${key} appears twice in one commit`);
      seen.add(key);
    }
    // Chunks are independent txns: sent together, they share the leader's batches and fsyncs.
    const chunks: OffsetCommit[][] = [];
    for (let i = 0; i < entries.length; i += CHUNK) chunks.push(entries.slice(i, i + CHUNK));
    const done = await Promise.all(chunks.map((chunk) => this.commitChunk(group, chunk)));
    return { results: done.flatMap((d) => d.results), revision: Math.max(0, ...done.map((d) => d.revision)) };
  }

  async fetch(group: string, o: { topic?: string } = {}): Promise<CommittedOffset[]> {
    checkGroupId(group);
    if (o.topic !== undefined) checkTopicName(o.topic);
    const r = await this.kv.range({ prefix: offsetsPrefix(group, o.topic) });
    const prefixLength = offsetsPrefix(group).length;
    const out: CommittedOffset[] = [];
    for (const kv of r.kvs) {
      const [topic, partition] = kv.keyString.slice(prefixLength).split('/');
      const offset = Number(kv.valueString);
      if (topic === undefined || partition === undefined || !Number.isSafeInteger(offset)) continue;
      out.push({ topic, partition: Number(partition), offset, revision: kv.modRevision });
    }
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  /**
   * One txn for the chunk: all compares must hold for the puts to apply; when one fails, the failure
   * branch reads the compared keys, the mismatching entries are answered as conflicts, and the rest
   * are tried again (a concurrent writer can make that happen a few times; bounded).
   */
  private async commitChunk(group: string, entries: readonly OffsetCommit[]) {
    const results = new Map<OffsetCommit, OffsetCommitResult>();
    let todo = [...entries];
    let revision = 0;
    for (let attempt = 0; todo.length > 0; attempt++) {
      const guarded = todo.filter((e) => e.expected !== undefined);
      const compare: Compare[] = guarded.map((e) => expectation(group, e));
      const success: TxnOp[] = todo.map((e) => op.put(offsetKey(group, e.topic, e.partition), String(e.offset)));
      const failure: TxnOp[] = guarded.map((e) => op.get(offsetKey(group, e.topic, e.partition)));
      const r = await this.kv.txn({ compare, success, failure });
      revision = r.header.revision;
      if (r.succeeded) {
        for (const e of todo) results.set(e, { topic: e.topic, partition: e.partition, committed: true, offset: e.offset });
        break;
      }
      const stale = new Set<OffsetCommit>();
      guarded.forEach((e, i) => {
        const found = (r.responses[i] as Extract<TxnItem, { type: 'range' }>).kvs[0];
        const stored = found ? Number(found.valueString) : null;
        if (stored !== e.expected || attempt >= MAX_ATTEMPTS) {
          stale.add(e);
          results.set(e, { topic: e.topic, partition: e.partition, committed: false, offset: stored });
        }
      });
      todo = todo.filter((e) => !stale.has(e));
    }
    return { results: entries.map((e) => results.get(e)!), revision };
  }
}

function expectation(group: string, e: OffsetCommit): Compare {
  const key = offsetKey(group, e.topic, e.partition);
  return e.expected === null ? cmp.createRevision(key, '=', 0) : cmp.value(key, '=', String(e.expected));
}

function checkOffset(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a non-negative integer, got ${n}`);
}

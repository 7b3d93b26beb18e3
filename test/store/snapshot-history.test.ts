// A snapshot written with an older snapshot schema (schemas/history) still loads: fields added since
// take their defaults. (PutResult.prevKvTruncated and DeleteRangeResult.prevKvsTruncated were added
// after v1; the exactly-once table inside a snapshot holds such results.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32, frame } from '../../src/codec/framing.js';
import { loadHistory } from '../../src/codec/history.js';
import { HISTORY_DIR, schemaFingerprint, typeNamed } from '../../src/codec/index.js';
import { outcomeToAvro } from '../../src/codec/map-command.js';
import type { ApplyOutcome } from '../../src/codec/types.js';
import { KvStore } from '../../src/store/kv-store.js';
import { decodeSnapshot } from '../../src/store/snapshot-codec.js';

// The file header as snapshot-codec.ts documents it.
const SNAPSHOT_MAGIC = Buffer.from('KEELSNP\0', 'latin1');
const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER_BYTES = 24;
const SNAPSHOT_FINGERPRINT = Buffer.from(schemaFingerprint(typeNamed('keel.SnapshotFormat')));

test('a snapshot written with the v1 snapshot schema decodes with the current reader', () => {
  const v1 = loadHistory(HISTORY_DIR).find((v) => v.name === 'v1')!.registry;
  const fp = Buffer.from(schemaFingerprint(v1['keel.SnapshotFormat']!));
  assert.not.ok(fp.equals(SNAPSHOT_FINGERPRINT), 'the snapshot schema changed since v1 (else this test checks nothing)');
  const header = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  SNAPSHOT_MAGIC.copy(header, 0);
  header.writeUInt16LE(SNAPSHOT_VERSION, 8);
  fp.copy(header, 12);
  header.writeUInt32LE(crc32(header.subarray(0, 20)), 20);
  const kv = { key: Buffer.from('k'), value: Buffer.from('v'), createRevision: 1, modRevision: 1, version: 1, lease: 0 };
  const outcome: ApplyOutcome = { revision: 1, result: { type: 'put', prevKv: null }, error: null };
  const head = v1['keel.SnapshotHead']!.toBuffer({
    index: 7, term: 2, voters: ['n1'], learners: [], revision: 1, compactRevision: 0, appliedIndex: 7, kvCount: 1, blockCount: 1,
    leases: [], clients: [{ clientId: 'c1', lastSeenIndex: 7, maxSeq: 3, outcomes: [{ seq: 3, outcome: outcomeToAvro(outcome) }] }],
  });
  const block = v1['keel.SnapshotKvBlock']!.toBuffer({ kvs: [kv] });
  const end = v1['keel.SnapshotEnd']!.toBuffer({ kvCount: 1, blockCount: 1 });
  const bytes = Buffer.concat([header, frame(head), frame(block), frame(end)]);
  const decoded = decodeSnapshot(bytes);
  assert.is(decoded.meta.index, 7);
  assert.is(decoded.store.kvs.length, 1);
  assert.equal(decoded.store.clients[0]!.outcomes[0]!.outcome.result, { type: 'put', prevKv: null });
  const store = KvStore.fromSnapshot(decoded.store);
  assert.is(new TextDecoder().decode(store.get(Buffer.from('k'))!.value), 'v');
});

test.run();

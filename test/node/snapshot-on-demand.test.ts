// Raft's snapshot bytes on demand (what lets a node keep its snapshot on disk instead of in memory):
// setSnapshot(meta, null) holds only the metadata; a follower behind the log's start makes
// snapshotWanted() name the snapshot; once provideSnapshotData hands the bytes over, the transfer
// proceeds; releaseSnapshotData forgets them again when no follower is being sent them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, bytes } from '../raft/harness.js';

const t = suite('raft snapshot bytes on demand');

t('a lagging follower asks for the bytes; provided, they reach it; released afterwards', () => {
  const c = new Cluster(['a', 'b', 'c'], { snapshotChunkBytes: 8 });
  c.elect('a');
  c.drop = (m) => m.to === 'c' || m.from === 'c';
  for (let i = 0; i < 10; i++) c.get('a').propose(bytes(`v${i}`));
  c.stabilize();
  c.tickAll(1);
  const leader = c.get('a');
  const s = leader.status();
  const meta = { index: s.applied, term: leader.logTerm(s.applied)!, conf: s.conf };
  leader.setSnapshot(meta, null);
  assert.is(leader.snapshotWanted(), null, 'nobody needs it yet');

  c.drop = () => false;
  c.tickAll(3);
  assert.equal(leader.snapshotWanted(), meta, 'c is behind the log start: the bytes are wanted');
  assert.not.ok(c.log.some((m) => m.type === 'snap' && m.chunkData.length > 0), 'no chunk without the bytes');
  assert.not.ok(c.node('c').readies.some((r) => r.snapshot), 'nothing installed yet');

  const data = bytes('the-snapshot-file-bytes-0123456789');
  leader.provideSnapshotData(meta.index, data);
  assert.is(leader.snapshotWanted(), null);
  assert.not.ok(leader.releaseSnapshotData(), 'kept while c is being sent the snapshot');
  c.tickAll(8);
  const installed = c.node('c').readies.find((r) => r.snapshot)?.snapshot;
  assert.equal(installed?.data, data);
  assert.is(c.get('c').status().lastIndex, leader.status().lastIndex);
  assert.ok(leader.releaseSnapshotData(), 'released once no follower needs it');
  assert.not.ok(leader.releaseSnapshotData(), 'nothing left to release');
});

t('bytes for a replaced snapshot are ignored', () => {
  const c = new Cluster(['a']);
  c.elect('a');
  c.get('a').propose(bytes('x'));
  c.stabilize();
  const r = c.get('a');
  const s = r.status();
  r.setSnapshot({ index: s.applied, term: r.logTerm(s.applied)!, conf: s.conf }, null);
  r.provideSnapshotData(s.applied - 1, bytes('old'));
  assert.not.ok(r.releaseSnapshotData(), 'the stale bytes were not taken');
});

t.run();

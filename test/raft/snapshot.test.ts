// Snapshots: compaction, and InstallSnapshot in chunks to a follower behind the log's start.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, bytes } from './harness.js';

const t = suite('snapshot');

function snapshotAll(c: Cluster, data: Uint8Array): void {
  for (const id of c.nodes.keys()) {
    const r = c.get(id);
    const s = r.status();
    r.setSnapshot({ index: s.applied, term: r.logTerm(s.applied)!, conf: s.conf }, data);
  }
}

t('a follower behind the leader\'s first index receives the snapshot in chunks, then the rest of the log', () => {
  const c = new Cluster(['a', 'b', 'c'], { snapshotChunkBytes: 10 });
  c.elect('a');
  c.drop = (m) => m.to === 'c' || m.from === 'c';
  for (let i = 0; i < 10; i++) c.get('a').propose(bytes(`v${i}`));
  c.stabilize();
  c.tickAll(1);
  const data = bytes('state-machine-image-of-45-bytes-xxxxxxxxxxxxx');
  snapshotAll(c, data);
  assert.is(c.get('a').status().firstIndex, c.get('a').status().applied + 1, 'log compacted');
  c.get('a').propose(bytes('after'));
  c.drop = () => false;
  c.tickAll(3);
  const chunks = c.log.filter((m) => m.type === 'snap' && m.to === 'c');
  assert.ok(chunks.length >= 5, `${chunks.length} chunks`);
  assert.ok(chunks.every((m) => m.chunkData.length <= 10));
  const installed = c.node('c').readies.find((r) => r.snapshot)?.snapshot;
  assert.ok(installed, 'c received a snapshot');
  assert.equal(installed!.data, data);
  assert.equal(installed!.meta.conf.voters, ['a', 'b', 'c']);
  assert.is(c.get('c').status().lastIndex, c.get('a').status().lastIndex);
  assert.is(c.node('c').applied.at(-1)?.index, c.get('a').status().lastIndex, 'c applied the entries after the snapshot');
});

t('lost chunks are resent', () => {
  const c = new Cluster(['a', 'b', 'c'], { snapshotChunkBytes: 4 });
  c.elect('a');
  c.drop = (m) => m.to === 'c' || m.from === 'c';
  for (let i = 0; i < 5; i++) c.get('a').propose(bytes(`v${i}`));
  c.stabilize();
  c.tickAll(1);
  snapshotAll(c, bytes('0123456789abcdefghij'));
  let dropped = 0;
  c.drop = (m) => m.type === 'snap' && m.chunkOffset === 8 && dropped++ < 2;
  c.tickAll(6);
  assert.ok(dropped >= 3, 'the chunk at offset 8 was dropped twice, then sent again');
  assert.equal(c.node('c').readies.find((r) => r.snapshot)?.snapshot?.data, bytes('0123456789abcdefghij'));
});

t('setSnapshot refuses an index beyond what was applied', () => {
  const c = new Cluster(['a']);
  c.elect('a');
  const r = c.get('a');
  assert.throws(() => r.setSnapshot({ index: 99, term: 1, conf: { voters: ['a'], learners: [] } }, bytes('x')), /beyond applied/);
});

t.run();

// ReadIndex: linearizable reads served by any node, confirmed by a heartbeat round to a quorum.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, bytes } from './harness.js';

const t = suite('readindex');

t('the leader answers with its commit index after a quorum acknowledges a heartbeat', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.get('a').propose(bytes('x'));
  c.stabilize();
  const commit = c.get('a').status().commit;
  c.drop = (m) => m.type === 'heartbeatResp';
  c.get('a').readIndex('r1');
  c.stabilize();
  assert.equal(c.node('a').readStates, [], 'no answer without a quorum of acks');
  c.drop = () => false;
  c.get('a').readIndex('r2');
  c.stabilize();
  assert.equal(c.node('a').readStates, [{ index: commit, context: 'r1' }, { index: commit, context: 'r2' }]);
});

t('a follower forwards the read to the leader and gets the index back', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.get('a').propose(bytes('x'));
  c.stabilize();
  c.get('c').readIndex('from-c');
  c.stabilize();
  assert.equal(c.node('c').readStates, [{ index: c.get('a').status().commit, context: 'from-c' }]);
});

t('a deposed leader that cannot reach a quorum never answers', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.drop = (m) => m.from === 'a' || m.to === 'a';
  c.get('a').readIndex('stale');
  c.stabilize();
  assert.equal(c.node('a').readStates, []);
});

t('a new leader defers reads until it has committed an entry of its term', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.drop = (m) => m.type === 'appResp'; // a's empty entry cannot commit
  c.elect('a');
  assert.equal(c.leaders(), ['a']);
  c.get('a').readIndex('early');
  c.stabilize();
  assert.equal(c.node('a').readStates, []);
  c.drop = () => false;
  c.tickAll(2);
  assert.equal(c.node('a').readStates, [{ index: 1, context: 'early' }]);
});

t('without a leader the read is dropped (the caller retries)', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.get('b').readIndex('nobody');
  c.stabilize();
  assert.equal(c.node('b').readStates, []);
});

t.run();

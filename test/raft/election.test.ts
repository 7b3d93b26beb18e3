// Raft paper §5.2 and §5.4.1 (election), plus pre-vote and check-quorum, one claim at a time.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from './harness.js';
import { RaftNode, blankMessage } from '../../src/raft/index.js';

const t = suite('election');

t('a follower that hears no leader for an election timeout campaigns; a majority makes it leader of term+1', () => {
  const c = new Cluster(['a', 'b', 'c']);
  assert.is(c.get('a').status().term, 0);
  c.tick('a', 9);
  assert.is(c.get('a').status().role, 'follower', 'no campaign before the timeout');
  c.tick('a', 1);
  assert.is(c.get('a').status().role, 'precandidate');
  assert.is(c.get('a').status().term, 0, 'pre-vote does not bump the term');
  c.stabilize();
  assert.equal(c.leaders(), ['a']);
  assert.is(c.get('a').status().term, 1);
  assert.is(c.get('b').status().leader, 'a');
});

t('randomized election timeout lies in [electionTick, 2*electionTick)', () => {
  for (const r of [0, 0.5, 0.999]) {
    const n = new RaftNode({ id: 'a', voters: ['a', 'b', 'c'], random: () => r, electionTick: 10, preVote: false });
    let ticks = 0;
    while (n.status().role === 'follower') { n.tick(); ticks++; }
    assert.ok(ticks >= 10 && ticks < 20, `timeout ${ticks} for random ${r}`);
    assert.is(ticks, 10 + Math.floor(r * 10));
  }
});

t('each node grants at most one vote per term, and persists it before answering', () => {
  const c = new Cluster(['a', 'b', 'c'], { preVote: false });
  const voter = c.get('c');
  voter.step({ ...blankMessage('vote', 'a', 'c', 5), index: 0, logTerm: 0 });
  voter.step({ ...blankMessage('vote', 'b', 'c', 5), index: 0, logTerm: 0 });
  const rd = voter.ready();
  assert.equal(rd.hardState, { term: 5, vote: 'a', commit: 0 }, 'vote is in the hard state of the same Ready');
  const answers = rd.messages.filter((m) => m.type === 'voteResp').map((m) => [m.to, m.reject]);
  assert.equal(answers, [['a', false], ['b', true]]);
});

t('a vote is denied to a candidate whose log is less up-to-date (§5.4.1)', () => {
  const c = new Cluster(['a', 'b', 'c'], { checkQuorum: false }); // no lease: b answers at all
  c.elect('a');
  c.get('a').propose(new Uint8Array([1]));
  c.drop = (m) => m.to === 'c' || m.from === 'c';
  c.stabilize();
  c.drop = () => false;
  // c missed entries; its last term is 1 but its last index is lower than a's and b's.
  const voter = c.get('b');
  const cStatus = c.get('c').status();
  voter.step({ ...blankMessage('vote', 'c', 'b', 9), index: cStatus.lastIndex, logTerm: 1 });
  const resp = voter.ready().messages.find((m) => m.type === 'voteResp');
  assert.ok(resp, 'b answers');
  assert.ok(resp!.reject, 'b must refuse c');
  // ...while a candidate with an equally long log of the same last term gets the vote.
  const a = c.get('a').status();
  const voter2 = c.get('c');
  voter2.step({ ...blankMessage('vote', 'b', 'c', 10), index: a.lastIndex, logTerm: 1 });
  assert.is(voter2.ready().messages.find((m) => m.type === 'voteResp')?.reject, false);
});

t('a leader that sees a higher term steps down', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.get('a').step(blankMessage('appResp', 'b', 'a', 7));
  const s = c.get('a').status();
  assert.is(s.role, 'follower');
  assert.is(s.term, 7);
});

t('a candidate that hears from a leader of its own term returns to follower (§5.2)', () => {
  const c = new Cluster(['a', 'b', 'c'], { preVote: false });
  c.tick('b', 30);
  const b = c.get('b');
  assert.is(b.status().role, 'candidate');
  const term = b.status().term;
  b.step({ ...blankMessage('app', 'a', 'b', term), index: 0, logTerm: 0 });
  assert.is(b.status().role, 'follower');
  assert.is(b.status().leader, 'a');
});

t('a request with a stale term is rejected, and the sender learns the current term (§5.1)', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  const b = c.get('b');
  b.step(blankMessage('heartbeat', 'c', 'b', 9));
  assert.is(b.status().term, 9);
  b.ready();
  b.step({ ...blankMessage('app', 'a', 'b', 1), index: 1, logTerm: 1 });
  const out = b.ready().messages;
  assert.is(out.length, 1);
  assert.is(out[0].to, 'a');
  assert.is(out[0].term, 9);
  assert.is(b.status().leader, 'c', 'the stale leader is not followed');
});

t('pre-vote: a partitioned node does not inflate its term, and does not disrupt the leader on return', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.drop = (m) => m.from === 'c' || m.to === 'c';
  for (let i = 0; i < 100; i++) { c.tick('c'); c.stabilize(); }
  assert.is(c.get('c').status().term, 1, 'isolated node stays at term 1');
  c.drop = () => false;
  c.tickAll(3);
  assert.equal(c.leaders(), ['a']);
  assert.is(c.get('a').status().term, 1);
});

t('without pre-vote, the same partition does inflate the term (so the test above can fail)', () => {
  const c = new Cluster(['a', 'b', 'c'], { preVote: false });
  c.elect('a');
  c.drop = (m) => m.from === 'c' || m.to === 'c';
  for (let i = 0; i < 100; i++) { c.tick('c'); c.stabilize(); }
  assert.ok(c.get('c').status().term > 2);
});

t('check-quorum: a leader that cannot hear a majority steps down after an election timeout', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.drop = (m) => m.from === 'a' || m.to === 'a';
  for (let i = 0; i < 25 && c.get('a').status().role === 'leader'; i++) { c.tick('a'); c.stabilize(); }
  assert.is(c.get('a').status().role, 'follower');
});

t('check-quorum lease: followers ignore vote requests while they hear from a leader', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  const b = c.get('b');
  b.step({ ...blankMessage('vote', 'c', 'b', 5), index: 100, logTerm: 100 });
  assert.is(b.status().term, 1);
  assert.is(b.ready().messages.length, 0);
});

t('a learner never campaigns and its vote does not count', () => {
  const c = new Cluster(['a', 'b'], {}, ['l']);
  c.tick('l', 100);
  assert.is(c.get('l').status().role, 'follower');
  c.drop = (m) => m.to === 'b' || m.from === 'b';
  c.elect('a'); // a needs b: the learner's vote is not enough
  assert.not.equal(c.leaders(), ['a']);
});

t.run();

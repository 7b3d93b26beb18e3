// Raft paper §5.3 and §5.4.2 (replication and commit), with flow control and conflict hints.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, bytes, text } from './harness.js';
import { RaftNode, ProposalDroppedError, blankMessage, type Entry } from '../../src/raft/index.js';

const t = suite('replication');

t('a new leader appends an empty entry of its term; proposals replicate and apply everywhere in order', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  for (const v of ['x', 'y', 'z']) c.get('a').propose(bytes(v));
  c.stabilize();
  c.tickAll(1); // a heartbeat carries the final commit index
  for (const id of ['a', 'b', 'c']) {
    const applied = c.node(id).applied;
    assert.equal(applied.map((e) => [e.index, e.term, text(e.data)]), [[1, 1, ''], [2, 1, 'x'], [3, 1, 'y'], [4, 1, 'z']], id);
  }
});

t('a batch of proposals goes to each follower as one append message, and applies in order', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.stabilize();
  const leader = c.get('a');
  leader.proposeBatch([bytes('p'), bytes('q'), bytes('r')]);
  const apps = leader.ready().messages.filter((m) => m.type === 'app' && m.entries.length > 0);
  assert.equal(apps.map((m) => [m.to, m.entries.map((e) => text(e.data))]).sort(), [['b', ['p', 'q', 'r']], ['c', ['p', 'q', 'r']]]);
});

t('a follower refuses proposals with a typed error naming the leader', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  try {
    c.get('b').propose(bytes('x'));
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, ProposalDroppedError);
    assert.is((e as ProposalDroppedError).leader, 'a');
  }
});

t('an entry commits once a majority stores it, not before', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  const commitBefore = c.get('a').status().commit;
  c.drop = (m) => m.to === 'b' || m.to === 'c';
  c.get('a').propose(bytes('x'));
  c.stabilize();
  assert.is(c.get('a').status().commit, commitBefore, 'leader alone is not a majority');
  c.drop = (m) => m.to === 'c';
  c.tickAll(1); // heartbeat → b answers → a re-sends the entry to b
  assert.is(c.get('a').status().commit, commitBefore + 1, 'leader + b is a majority');
});

t('the follower\'s conflicting suffix is replaced by the leader\'s (log matching)', () => {
  const c = new Cluster(['a', 'b', 'c'], { checkQuorum: false }); // no lease, so b can take over at once
  c.elect('a');
  // a writes entries only it holds, then loses leadership.
  c.drop = (m) => m.from === 'a' || m.to === 'a';
  c.get('a').propose(bytes('lost1'));
  c.get('a').propose(bytes('lost2'));
  c.stabilize();
  c.elect('b');
  c.get('b').propose(bytes('kept'));
  c.stabilize();
  c.drop = () => false;
  c.tickAll(3);
  const logOf = (id: string) => c.node(id).entries.map((e) => `${e.index}/${e.term}/${text(e.data)}`);
  assert.equal(logOf('a'), logOf('b'));
  assert.ok(logOf('a').some((s) => s.endsWith('/kept')));
  assert.not.ok(logOf('a').some((s) => s.includes('lost')));
});

function entries(from: number, terms: number[]): Entry[] {
  return terms.map((term, i) => ({ index: from + i, term, type: 'normal' as const, data: new Uint8Array(0) }));
}

t('a rejecting follower hints where to probe, so a whole conflicting term is skipped in one round trip', () => {
  // Follower log: 1..2 in term 1, then 3..50 in term 2 (never committed). Leader at term 3 has 1..2 (term 1), 3..60 (term 3).
  const follower = new RaftNode({ id: 'f', voters: ['l', 'f', 'x'], random: () => 0 },
    { hardState: { term: 2, vote: '', commit: 2 }, snapshot: null, entries: [...entries(1, [1, 1]), ...entries(3, Array(48).fill(2))] });
  const app = { ...blankMessage('app', 'l', 'f', 3), index: 60, logTerm: 3 };
  follower.step(app);
  const resp = follower.ready().messages[0];
  assert.is(resp.type, 'appResp');
  assert.ok(resp.reject);
  assert.is(resp.rejectHint, 50, 'follower has nothing past 50');
  assert.is(resp.rejectTerm, 2);
  // The leader, whose log has no term 2, maps the hint straight to index 2 (last entry of term <= 2).
  const leader = new RaftNode({ id: 'l', voters: ['l', 'f', 'x'], random: () => 0 },
    { hardState: { term: 3, vote: 'l', commit: 2 }, snapshot: null, entries: [...entries(1, [1, 1]), ...entries(3, Array(58).fill(3))] });
  while (leader.status().role !== 'leader') {
    leader.tick();
    for (const m of leader.ready().messages) if (m.type === 'preVote' || m.type === 'vote') leader.step({ ...blankMessage(m.type === 'preVote' ? 'preVoteResp' : 'voteResp', 'x', 'l', m.term) });
  }
  leader.advance(leader.ready());
  const term = leader.status().term;
  leader.step({ ...resp, term, to: 'l' });
  // First probe rejected with the hint: the next append goes out at index 2 (prev index), not 59.
  const rd = leader.ready();
  const probe = rd.messages.find((m) => m.type === 'app' && m.to === 'f');
  assert.ok(probe, 'leader re-probes');
  assert.is(probe!.index, 2);
});

t('flow control: at most maxInflight appends are in flight, each within maxMsgBytes', () => {
  const c = new Cluster(['a', 'b', 'c'], { maxInflight: 2, maxMsgBytes: 100 });
  c.elect('a');
  c.drop = (m) => m.type === 'appResp'; // acknowledgements are lost: the window must close
  const before = c.log.length;
  for (let i = 0; i < 20; i++) c.get('a').propose(new Uint8Array(40));
  c.stabilize();
  const appsToB = c.log.slice(before).filter((m) => m.type === 'app' && m.to === 'b' && m.entries.length > 0);
  assert.is(appsToB.length, 2, 'window of 2 messages');
  for (const m of appsToB) {
    const size = m.entries.reduce((s, e) => s + e.data.length + 24, 0);
    assert.ok(m.entries.length === 1 || size <= 100, `message of ${size} bytes`);
  }
  c.drop = () => false;
  c.tickAll(5);
  assert.is(c.get('b').status().lastIndex, c.get('a').status().lastIndex, 'b catches up once acks flow');
});

t('§5.4.2: a leader never commits an earlier-term entry by counting replicas (Figure 8)', () => {
  // a and b hold entry 2 from term 2 (a majority of 3); a becomes leader of a later term, and its
  // own empty entry (3) reaches nobody. Index 2 must stay uncommitted until 3 commits.
  const hs = { term: 4, vote: '', commit: 1 };
  const c = new Cluster(['a', 'b', 'c']);
  for (const id of ['a', 'b', 'c']) {
    const log = id === 'c' ? entries(1, [1]) : entries(1, [1, 2]);
    c.nodes.get(id)!.raft = new RaftNode({ id, voters: ['a', 'b', 'c'], random: () => 0 }, { hardState: hs, snapshot: null, entries: log });
  }
  c.drop = (m) => !['preVote', 'preVoteResp', 'vote', 'voteResp'].includes(m.type);
  c.elect('a');
  const a = c.get('a');
  assert.is(a.status().role, 'leader');
  assert.is(a.status().lastIndex, 3);
  // b acknowledges index 2: with a itself that is a majority for index 2.
  a.step({ ...blankMessage('appResp', 'b', 'a', a.status().term), index: 2 });
  assert.is(a.status().progress.b.match, 2);
  assert.is(a.status().commit, 1, 'index 2 (an earlier term) must not commit by counting replicas');
  a.step({ ...blankMessage('appResp', 'b', 'a', a.status().term), index: 3 });
  assert.is(a.status().commit, 3, 'committing index 3 (current term) commits 2 indirectly');
});

t('an acknowledgement of entries replaced before they were persisted is never sent', () => {
  // Found by the simulation: within one Ready, f acks index 3 (term 1) to the old leader, then a
  // term-2 leader replaces index 3. The ack would let the old leader count f for an entry f never stores.
  const f = new RaftNode({ id: 'f', voters: ['a', 'b', 'f'], random: () => 0 },
    { hardState: { term: 1, vote: '', commit: 2 }, snapshot: null, entries: entries(1, [1, 1]) });
  f.step({ ...blankMessage('app', 'a', 'f', 1), index: 2, logTerm: 1, entries: entries(3, [1]), commit: 2 });
  f.step({ ...blankMessage('app', 'b', 'f', 2), index: 2, logTerm: 1, entries: entries(3, [2]), commit: 2 });
  const rd = f.ready();
  const acks = rd.messages.filter((m) => m.type === 'appResp').map((m) => [m.to, m.term, m.index]);
  assert.equal(acks, [['b', 2, 3]]);
  assert.equal(rd.entries.map((e) => [e.index, e.term]), [[3, 2]]);
});

t('hard state and entries are handed out before (in the same Ready as) the messages that depend on them', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.get('a').propose(bytes('x'));
  const rd = c.get('a').ready();
  const app = rd.messages.find((m) => m.type === 'app');
  assert.ok(app);
  const lastSent = app!.entries.at(-1)!.index;
  assert.ok(rd.entries.some((e) => e.index === lastSent), 'the entry being sent is in this Ready\'s entries');
  c.get('a').advance(rd);
});


t('the new commit index reaches up-to-date followers as a commit-only append they apply and do not answer', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.stabilize();
  c.log.length = 0;
  c.get('a').propose(bytes('x'));
  c.stabilize();
  const index = c.get('a').status().commit;
  const commitOnly = c.log.filter((m) => m.type === 'app' && m.entries.length === 0 && m.context === 'commit');
  assert.equal(commitOnly.map((m) => [m.to, m.commit]).sort(), [['b', index], ['c', index]]);
  const acks = c.log.filter((m) => m.type === 'appResp');
  assert.is(acks.length, 2, 'one ack per follower: for the entry, none for the commit-only append');
  for (const id of ['b', 'c']) assert.is(c.node(id).applied.at(-1)?.index, index, `${id} applied the commit`);
});

t('a follower whose log does not match a commit-only append rejects it, and the leader repairs its log', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.stabilize();
  const a = c.get('a');
  const m = blankMessage('app', 'a', 'b', a.status().term);
  m.index = a.status().lastIndex + 5; // past b's log
  m.logTerm = a.status().term;
  m.commit = a.status().commit;
  m.context = 'commit';
  c.log.length = 0;
  c.deliver([m]);
  c.stabilize();
  const reply = c.log.find((x) => x.type === 'appResp' && x.from === 'b');
  assert.ok(reply?.reject, 'a mismatching commit-only append is answered with a rejection');
});

t.run();

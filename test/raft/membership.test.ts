// Membership changes one server at a time with learners, and leadership transfer.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, bytes } from './harness.js';
import { ConfChangeRejectedError, ProposalDroppedError } from '../../src/raft/index.js';

const t = suite('membership');

t('a learner joins with an empty configuration, catches up, and is promoted to voter', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.get('a').propose(bytes('x'));
  c.stabilize();
  c.add('d', [], []);
  c.get('a').proposeConfChange({ type: 'addLearner', node: 'd' });
  c.tickAll(3);
  assert.equal(c.get('d').status().conf, { voters: ['a', 'b', 'c'], learners: ['d'] }, 'd learned the whole configuration');
  assert.is(c.get('d').status().lastIndex, c.get('a').status().lastIndex);
  c.get('a').proposeConfChange({ type: 'promote', node: 'd' });
  c.tickAll(3);
  for (const id of ['a', 'b', 'c', 'd']) assert.equal(c.get(id).status().conf.voters, ['a', 'b', 'c', 'd'], id);
});

t('learners do not count toward the commit quorum', () => {
  const c = new Cluster(['a', 'b', 'c'], {}, ['l']);
  c.elect('a');
  const before = c.get('a').status().commit;
  c.drop = (m) => m.to === 'b' || m.to === 'c';
  c.get('a').propose(bytes('x'));
  c.tickAll(2);
  assert.is(c.get('l').status().lastIndex, before + 1, 'the learner has the entry');
  assert.is(c.get('a').status().commit, before, 'leader + learner is not a majority');
});

t('a learner that has not caught up cannot be promoted; only one change may be pending', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.add('d', [], []);
  c.drop = (m) => m.to === 'd';
  c.get('a').proposeConfChange({ type: 'addLearner', node: 'd' });
  assert.throws(() => c.get('a').proposeConfChange({ type: 'remove', node: 'b' }), (e: unknown) => e instanceof ConfChangeRejectedError);
  c.tickAll(2);
  assert.throws(() => c.get('a').proposeConfChange({ type: 'promote', node: 'd' }), /not caught up/);
});

t('removing the leader: it steps down once the change commits, and the rest elect a new leader', () => {
  const c = new Cluster(['a', 'b', 'c', 'd']);
  c.elect('a');
  c.get('a').proposeConfChange({ type: 'remove', node: 'a' });
  c.tickAll(2);
  assert.is(c.get('a').status().role, 'follower');
  assert.equal(c.get('b').status().conf.voters, ['b', 'c', 'd']);
  c.tickAll(30);
  const leaders = c.leaders();
  assert.is(leaders.length, 1);
  assert.ok(['b', 'c', 'd'].includes(leaders[0]));
  c.tickAll(30);
  assert.is(c.get('a').status().role, 'follower', 'a removed node never campaigns');
  c.get(leaders[0]).propose(bytes('after'));
  c.tickAll(2);
  assert.is(c.get('b').status().commit, c.get(leaders[0]).status().lastIndex);
});

t('leadership transfer: the target campaigns at once and wins; proposals are refused meanwhile', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.drop = (m) => m.to === 'c';
  c.get('a').propose(bytes('x')); // c falls behind
  c.stabilize();
  c.drop = () => false;
  const before = c.log.length;
  c.get('a').transferLeadership('c');
  assert.throws(() => c.get('a').propose(bytes('y')), (e: unknown) => e instanceof ProposalDroppedError);
  c.tickAll(3);
  assert.equal(c.leaders(), ['c']);
  const toC = c.log.slice(before).filter((m) => m.to === 'c').map((m) => m.type);
  assert.ok(toC.indexOf('app') >= 0 && toC.indexOf('app') < toC.indexOf('timeoutNow'), 'c is caught up before TimeoutNow');
  assert.is(c.get('c').status().term, 2);
});

t('a follower forwards a transfer request to the leader', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.get('b').transferLeadership('b');
  c.stabilize();
  assert.equal(c.leaders(), ['b']);
});

t.run();

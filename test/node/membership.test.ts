// MembershipService against a fake node: it answers once the config entry's applied-index event
// fires (not on a poll), retries a promotion on the refusal's reason, and maps refusals once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError, NotLeaderError, TimeoutError } from '../../src/codec/errors.js';
import { ConfChangeRejectedError } from '../../src/raft/errors.js';
import type { ConfChange, ConfState } from '../../src/raft/types.js';
import { AppliedWaiters } from '../../src/node/applied-waiters.js';
import { MembershipService } from '../../src/node/membership.js';
import type { MembershipNode } from '../../src/node/node-api.js';

class FakeNode implements MembershipNode {
  isLeader = true;
  leader = 'n1';
  current: ConfState = { voters: ['n1', 'n2', 'n3'], learners: [] };
  lastIndex = 10;
  readonly applied = new AppliedWaiters();
  proposed: ConfChange[] = [];
  /** Refusals to throw, in order, before accepting. */
  refusals: ConfChangeRejectedError[] = [];
  /** Index → conf that takes effect when it applies. */
  private pending = new Map<number, ConfState>();

  conf(): ConfState { return this.current; }
  proposeConfChange(cc: ConfChange): { index: number; term: number } {
    if (!this.isLeader) throw new NotLeaderError('not the leader');
    const refusal = this.refusals.shift();
    if (refusal) throw refusal;
    this.proposed.push(cc);
    const voters = this.current.voters.filter((v) => v !== cc.node);
    const learners = this.current.learners.filter((l) => l !== cc.node);
    const next = cc.type === 'addLearner' ? { voters, learners: [...learners, cc.node] }
      : cc.type === 'promote' ? { voters: [...voters, cc.node], learners } : { voters, learners };
    this.pending.set(++this.lastIndex, next);
    return { index: this.lastIndex, term: 2 };
  }
  waitApplied(index: number, timeoutMs: number, what: string): Promise<void> { return this.applied.wait(index, timeoutMs, what); }
  logTerm(): number { return 2; }
  transfers: string[] = [];
  async transferLeadership(to: string): Promise<string> {
    this.transfers.push(to);
    this.isLeader = false;
    this.leader = to || 'n2';
    return this.leader;
  }
  /** Applies everything proposed (configuration first, then the event, as the node's ready loop does). */
  applyAll(): void {
    for (const [index, conf] of this.pending) {
      this.current = conf;
      this.applied.notify(index);
    }
    this.pending.clear();
  }
}

test('a change answers when its entry applies, with the configuration it produced', async () => {
  const node = new FakeNode();
  const svc = new MembershipService(node);
  let answered = false;
  const added = svc.add('n4', true).then((r) => { answered = true; return r; });
  await new Promise((r) => setTimeout(r, 30));
  assert.not.ok(answered, 'answered before the entry applied');
  node.applyAll();
  const result = await added;
  assert.equal(result.members.find((m) => m.id === 'n4'), { id: 'n4', role: 'learner' });
});

test('promotion retries while the learner has not caught up (by the refusal reason), then succeeds', async () => {
  const node = new FakeNode();
  node.current = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] };
  node.refusals = [
    new ConfChangeRejectedError('learner n4 lags', 'notCaughtUp'),
    new ConfChangeRejectedError('learner n4 lags', 'notCaughtUp'),
  ];
  const svc = new MembershipService(node, { retryMs: 5 });
  const promoted = svc.add('n4', false);
  while (node.proposed.length === 0) await new Promise((r) => setTimeout(r, 2));
  node.applyAll();
  const result = await promoted;
  assert.equal(result.members.find((m) => m.id === 'n4'), { id: 'n4', role: 'voter' });
  assert.equal(node.proposed, [{ type: 'promote', node: 'n4' }]);
});

test('any other refusal is an InvalidArgumentError at once; a non-leader says NotLeader', async () => {
  const node = new FakeNode();
  node.current = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] };
  node.refusals = [new ConfChangeRejectedError('a configuration change at index 9 is not applied yet', 'pending')];
  const svc = new MembershipService(node, { retryMs: 5 });
  const err = await svc.add('n4', false).catch((e) => e);
  assert.instance(err, InvalidArgumentError);
  assert.match(err.message, /not applied yet/);
  node.isLeader = false;
  assert.instance(await svc.remove('n3').catch((e) => e), NotLeaderError);
});

test('a change that never applies times out with the change named', async () => {
  const node = new FakeNode();
  const svc = new MembershipService(node, { timeoutMs: 20 });
  const err = await svc.remove('n3').catch((e) => e);
  assert.instance(err, TimeoutError);
  assert.match(err.message, /the remove of n3 \(entry 11\) did not apply within 20 ms/);
});

test('transfer-leader: to a named voter, or to the most caught-up one; an unknown id or a lone voter is refused', async () => {
  const node = new FakeNode();
  const service = new MembershipService(node);
  try {
    await service.transferLeader('n9');
    assert.unreachable('n9 is no voter');
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.match((err as Error).message, 'n9 is not a voter');
  }
  assert.equal(node.transfers, []);
  const r = await service.transferLeader('n3');
  assert.equal(node.transfers, ['n3']);
  assert.is(r.leader, 'n3');
  const alone = new FakeNode();
  alone.current = { voters: ['n1'], learners: [] };
  try {
    await new MembershipService(alone).transferLeader('');
    assert.unreachable('no other voter');
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
  }
});

test('applied waiters: already applied resolves at once; failAll rejects the rest', async () => {
  const w = new AppliedWaiters();
  w.notify(5);
  await w.wait(5, 1000, 'x');
  const later = w.wait(6, 1000, 'y').catch((e) => e);
  w.failAll(new Error('stopping'));
  assert.match((await later).message, 'stopping');
});

test.run();

// Readiness: a leader known and the committed entries applied, tolerating the instant gap between
// learning a commit index and applying it; a failed node is neither live nor ready.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KeelNode } from '../../src/node/node.js';
import { Readiness } from '../../src/node/readiness.js';

/** Just what Readiness reads of a node. */
function fakeNode() {
  const state = { leader: 'n1', commit: 10, applied: 10, failure: null as Error | null };
  const node = {
    get failure() { return state.failure; },
    status: () => ({
      leader: state.leader, role: state.leader ? 'follower' : 'candidate', term: 2, commitIndex: state.commit, appliedIndex: state.applied,
    }),
  } as unknown as KeelNode;
  return { state, readiness: new Readiness(node) };
}

test('ready with a leader and everything applied; not without a leader', () => {
  const { state, readiness } = fakeNode();
  assert.ok(readiness.check().ready);
  state.leader = '';
  const r = readiness.check();
  assert.not.ok(r.ready);
  assert.match(r.reason, /no leader known/);
  assert.ok(readiness.live().ok, 'still live');
});

test('keeping up under load stays ready; falling behind and not catching up is not', () => {
  const { state, readiness } = fakeNode();
  // A node far behind at its first check (a restart replaying the log) is not ready...
  state.commit = 1000;
  state.applied = 10;
  assert.not.ok(readiness.check().ready);
  // ... still below what it was told at that check: not ready;
  state.applied = 500;
  state.commit = 1200;
  assert.not.ok(readiness.check().ready);
  // past it (steady writes keep commit a little ahead): ready.
  state.applied = 1000;
  state.commit = 1300;
  assert.ok(readiness.check().ready);
  state.applied = 1300;
  state.commit = 1310;
  assert.ok(readiness.check().ready, 'applied what was committed at the previous check');
  state.applied = 1310;
  assert.ok(readiness.check().ready);
});

test('a failed node is neither live nor ready', () => {
  const { state, readiness } = fakeNode();
  state.failure = new Error('ENOSPC');
  assert.not.ok(readiness.live().ok);
  assert.match(readiness.check().reason, /failed: ENOSPC/);
});

test.run();

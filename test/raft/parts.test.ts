// Unit tests of the core's parts: the in-memory log, the inflight window, progress and conf changes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RaftLog } from '../../src/raft/log.js';
import { Inflights } from '../../src/raft/inflights.js';
import { Progress } from '../../src/raft/progress.js';
import { applyConfChange, decodeConfChange, encodeConfChange } from '../../src/raft/confchange.js';
import { ConfChangeRejectedError, LogUnavailableError, type Entry } from '../../src/raft/index.js';

const ents = (from: number, terms: number[]): Entry[] =>
  terms.map((term, i) => ({ index: from + i, term, type: 'normal' as const, data: new Uint8Array(10) }));

const log = suite('log');

log('appends, replaces a conflicting suffix, and tracks what is unstable', () => {
  const l = new RaftLog(null, ents(1, [1, 1, 1]), 0);
  assert.is(l.lastIndex(), 3);
  assert.equal(l.unstableEntries(), [], 'restored entries are stable');
  const r = l.maybeAppend(1, 1, 0, ents(2, [2, 2, 2]));
  assert.equal(r, { lastNew: 4, removedFrom: 2 });
  assert.equal(l.unstableEntries().map((e) => [e.index, e.term]), [[2, 2], [3, 2], [4, 2]]);
  l.stableTo(4, 2);
  assert.equal(l.unstableEntries(), []);
  assert.is(l.maybeAppend(4, 1, 0, []), null, 'mismatched previous term is refused');
});

log('never overwrites a committed entry', () => {
  const l = new RaftLog(null, ents(1, [1, 1]), 2);
  assert.throws(() => l.append(ents(2, [3])), (e: unknown) => e instanceof LogUnavailableError);
});

log('findConflictByTerm skips a whole term', () => {
  const l = new RaftLog(null, ents(1, [1, 1, 2, 2, 2, 5, 5]), 0);
  assert.is(l.findConflictByTerm(7, 3), 5);
  assert.is(l.findConflictByTerm(7, 1), 2);
  assert.is(l.findConflictByTerm(7, 9), 7);
});

log('slices respect the byte cap but always return one entry', () => {
  const l = new RaftLog(null, ents(1, [1, 1, 1, 1]), 0);
  assert.is(l.slice(1, 5, 1).length, 1);
  assert.is(l.slice(1, 5, 2 * 34).length, 2); // 10 data bytes + 24 overhead each
  assert.is(l.slice(1, 5).length, 4);
});

log('compaction keeps the term of the compaction point and refuses unapplied indexes', () => {
  const l = new RaftLog(null, ents(1, [1, 2, 3]), 3);
  assert.throws(() => l.compact(2), /applied/);
  l.appliedTo(2);
  l.compact(2);
  assert.is(l.firstIndex(), 3);
  assert.is(l.term(2), 2);
  assert.is(l.term(1), undefined);
  assert.throws(() => l.slice(2, 4), (e: unknown) => e instanceof LogUnavailableError);
});

log.run();

const parts = suite('inflights, progress, confchange');

parts('inflights fill up, and acknowledgements free everything up to an index', () => {
  const w = new Inflights(3);
  w.add(5); w.add(9); w.add(12);
  assert.ok(w.full());
  w.freeLE(9);
  assert.is(w.count(), 1);
  assert.not.ok(w.full());
});

parts('progress: a stale rejection is ignored; a fresh one moves next back to the hint', () => {
  const p = new Progress(11, 4, false);
  p.probeSent = true;
  assert.not.ok(p.maybeDecrTo(5, 3), 'rejection of an index we did not send last is stale');
  assert.ok(p.maybeDecrTo(10, 3));
  assert.is(p.next, 4);
  assert.not.ok(p.isPaused());
  p.maybeUpdate(6);
  p.becomeReplicate();
  assert.is(p.next, 7);
  assert.not.ok(p.maybeDecrTo(6, 0), 'rejecting at or below match is stale in replicate state');
});

parts('conf changes: one server at a time, round-tripped through the entry encoding', () => {
  const c0 = { voters: ['a', 'b', 'c'], learners: [] };
  const c1 = applyConfChange(c0, { type: 'addLearner', node: 'd' });
  assert.equal(c1, { voters: ['a', 'b', 'c'], learners: ['d'] });
  const c2 = applyConfChange(c1, { type: 'promote', node: 'd' });
  assert.equal(c2, { voters: ['a', 'b', 'c', 'd'], learners: [] });
  assert.throws(() => applyConfChange(c2, { type: 'promote', node: 'a' }), (e: unknown) => e instanceof ConfChangeRejectedError);
  assert.throws(() => applyConfChange({ voters: ['a'], learners: [] }, { type: 'remove', node: 'a' }), /no voters/);
  const rec = { change: { type: 'promote' as const, node: 'd' }, conf: c2 };
  assert.equal(decodeConfChange(encodeConfChange(rec)), rec);
  assert.throws(() => decodeConfChange(new TextEncoder().encode('{"x":1}')), (e: unknown) => e instanceof ConfChangeRejectedError);
});

parts.run();

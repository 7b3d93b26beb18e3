// The bootstrap entry and the membership read back from a log.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyConfChange, bootstrapEntry, decodeConfChange, encodeConfChange, membershipAt } from '../../src/raft/confchange.js';
import { ConfChangeRejectedError } from '../../src/raft/errors.js';
import type { Entry } from '../../src/raft/types.js';

test('the bootstrap entry is entry 1 of term 1 and holds the initial voters', () => {
  const e = bootstrapEntry(['n1', 'n2', 'n3']);
  assert.is(e.index, 1);
  assert.is(e.term, 1);
  assert.is(e.type, 'config');
  assert.equal(decodeConfChange(e.data), { change: { type: 'bootstrap', node: '' }, conf: { voters: ['n1', 'n2', 'n3'], learners: [] } });
  assert.throws(() => applyConfChange({ voters: ['n1'], learners: [] }, { type: 'bootstrap', node: '' }), (err: unknown) => err instanceof ConfChangeRejectedError);
});

test('membershipAt: the snapshot, then every config entry up to the commit index', () => {
  const added: Entry = { index: 3, term: 2, type: 'config', data: encodeConfChange({ change: { type: 'addLearner', node: 'n4' }, conf: { voters: ['n1', 'n2', 'n3'], learners: ['n4'] } }) };
  const normal: Entry = { index: 2, term: 1, type: 'normal', data: new Uint8Array([1]) };
  const log = [bootstrapEntry(['n1', 'n2', 'n3']), normal, added];
  assert.equal(membershipAt(null, log, 2), { voters: ['n1', 'n2', 'n3'], learners: [] });
  assert.equal(membershipAt(null, log, 3), { voters: ['n1', 'n2', 'n3'], learners: ['n4'] });
  assert.equal(membershipAt({ voters: ['a'], learners: [] }, [], 10), { voters: ['a'], learners: [] });
  assert.is(membershipAt(null, [normal], 2), null, 'a log written before the bootstrap entry existed');
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_TERM_JUMP, raftMessageProblem } from '../../src/node/raft-message-check.js';
import { blankMessage } from '../../src/raft/types.js';

const ctx = { self: 'n1', batchFrom: 'n2', lastIndex: 10, term: 5 };

test('a message a correct peer sends passes', () => {
  const m = blankMessage('app', 'n2', 'n1', 5);
  m.index = 10;
  m.logTerm = 5;
  m.entries = [{ index: 11, term: 5, type: 'normal', data: new Uint8Array(1) }, { index: 12, term: 5, type: 'normal', data: new Uint8Array(0) }];
  assert.is(raftMessageProblem(m, ctx), null);
  assert.is(raftMessageProblem(blankMessage('vote', 'n2', 'n1', 6 + MAX_TERM_JUMP - 2), ctx), null);
});

test('what no correct peer sends is named', () => {
  const cases: [string, (m: ReturnType<typeof blankMessage>) => void, RegExp][] = [
    ['to', (m) => { m.to = 'n3'; }, /addressed to/],
    ['from', (m) => { m.from = 'n3'; }, /inside a batch from/],
    ['negative', (m) => { m.commit = -1; }, /commit -1 out of range/],
    ['unsafe', (m) => { m.index = 2 ** 53; }, /index .* out of range/],
    ['jump', (m) => { m.term = 6 + MAX_TERM_JUMP; }, /too far above ours/],
    ['gap', (m) => { m.entries = [{ index: 3, term: 1, type: 'normal', data: new Uint8Array(0) }]; }, /entry 0 has index 3/],
    ['term above', (m) => { m.entries = [{ index: 1, term: 9, type: 'normal', data: new Uint8Array(0) }]; }, /above the message's/],
    ['ack beyond', (m) => { m.type = 'appResp'; m.index = 11; }, /beyond our last index 10/],
  ];
  for (const [name, change, expected] of cases) {
    const m = blankMessage('app', 'n2', 'n1', 5);
    change(m);
    assert.match(raftMessageProblem(m, ctx) ?? '', expected, name);
  }
});

test.run();

// A watch's deliverTo is where the node publishes with its own (node) identity: an inbox, never one
// of Keel's subjects (a client could otherwise make a node publish onto Raft or API subjects).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_LIMITS, validateRequest } from '../../src/codec/limits.js';
import type { ApiRequest } from '../../src/codec/types.js';

const create = (deliverTo: string): ApiRequest => ({
  requestId: null,
  body: { type: 'watchCreate', watchId: 'w-1', key: new Uint8Array([97]), rangeEnd: new Uint8Array(0), startRevision: 0, prevKv: false, deliverTo },
});

test('an inbox is accepted; Keel subjects and wildcards are refused', () => {
  validateRequest(create('_INBOX.abc.w1.0'), DEFAULT_LIMITS);
  for (const bad of ['keel.default.raft.n1', 'keel.default.leader.put', '_INBOX.*', '']) {
    assert.throws(() => validateRequest(create(bad), DEFAULT_LIMITS), /deliverTo/, bad);
  }
});

test.run();

// The short profile of the fuzz (the full one is `npm run fuzz`): a few thousand hostile payloads to
// every subject a real 3-node cluster listens on; the cluster must still commit writes, every node
// must answer, and no node's memory may grow past the bound. Fails with the seed to replay.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describe, fuzzCluster } from './fuzz-cluster.js';

const SEED = Number(process.env.KEEL_FUZZ_SEED ?? 20261128);

test('a cluster survives hostile payloads on every subject it listens on', async () => {
  // Secured: most Raft payloads are sealed with the cluster key (they reach the decoder and Raft's
  // step), the rest are not (the MAC check must drop them).
  const report = await fuzzCluster({ seed: SEED, payloads: 3000, secure: true });
  const summary = describe(report);
  assert.equal(report.failures, [], summary);
  assert.is(report.sent + report.unsendable, 3000);
  assert.ok(report.byKind.raft > 500 && report.byKind.api > 500 && report.byKind.watchAck > 100, summary);
  assert.is(report.writesAfter, 10, summary);
  // The nodes saw the bad input and counted it (the summary each logs when it stops).
  const dropped = (kind: string) => Object.values(report.drops).reduce((sum, d) => sum + (d[kind] ?? 0), 0);
  assert.ok(dropped('raftMalformed') > 0, summary);
  assert.ok(dropped('raftRejected') > 0, summary);
  assert.ok(dropped('apiMalformed') > 0, summary);
  assert.ok(dropped('watchAckMalformed') > 0, summary);
  assert.ok(dropped('mac.unframed') > 0, summary);
});

test.run();

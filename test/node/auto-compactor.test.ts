// The leader's automatic compaction, on a fake clock: by revisions, in steps of a tenth; by time, to
// the newest revision older than the period; nothing on a follower.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Command } from '../../src/codec/types.js';
import { AutoCompactor, parseRetention, type Retention } from '../../src/node/auto-compactor.js';

function harness(retention: Retention) {
  const h = { now: 0, revision: 1, compacted: 0, proposed: [] as number[] };
  const compactor = new AutoCompactor({
    retention,
    revision: () => h.revision,
    compactRevision: () => h.compacted,
    propose: (cmd: Command) => {
      if (cmd.op.type !== 'compact') throw new Error('unexpected command');
      h.proposed.push(cmd.op.revision);
      h.compacted = cmd.op.revision; // as if it applied at once
      return true;
    },
    now: () => h.now,
  });
  return { h, compactor };
}

test('parseRetention: revisions, periods, off, and a clear refusal', () => {
  assert.equal(parseRetention('10000'), { kind: 'revisions', count: 10000 });
  assert.equal(parseRetention('90s'), { kind: 'time', ms: 90_000 });
  assert.equal(parseRetention('30m'), { kind: 'time', ms: 1_800_000 });
  assert.equal(parseRetention('1h'), { kind: 'time', ms: 3_600_000 });
  assert.is(parseRetention(''), null);
  assert.is(parseRetention('0'), null);
  assert.throws(() => parseRetention('1d'), /number of revisions .* or a period/);
});

test('by revisions: keeps the last n, compacting in steps of n/10, only while leading', () => {
  const { h, compactor } = harness({ kind: 'revisions', count: 100 });
  h.revision = 500;
  compactor.tick();
  assert.equal(h.proposed, [], 'a follower proposes nothing');
  compactor.onLeaderChange(true);
  compactor.tick();
  assert.equal(h.proposed, [400]);
  h.revision = 505;
  h.now += 1000;
  compactor.tick();
  assert.equal(h.proposed, [400], 'not for 5 more revisions');
  h.revision = 515;
  h.now += 1000;
  compactor.tick();
  assert.equal(h.proposed, [400, 415]);
});

test('by time: compacts to the newest revision sampled more than a period ago', () => {
  const { h, compactor } = harness({ kind: 'time', ms: 10_000 });
  compactor.onLeaderChange(true);
  for (let t = 0; t <= 12_000; t += 1000) {
    h.now = t;
    h.revision = 10 + t / 100; // 10 revisions a second
    compactor.tick();
  }
  // At t = 12 s the newest sample at or before t - 10 s is the one taken at 2 s (revision 30).
  assert.is(h.proposed.at(-1), 30);
  assert.ok(h.proposed.every((r, i) => i === 0 || r > h.proposed[i - 1]!), 'only forward');
});

test.run();

// The short chaos profile: a real 3-node cluster, 4 clients and a few faults of different kinds
// (kill, pause, netcut, disk, killall) in about 20 s; the histories must be linearizable and no
// acknowledged write lost. The long profile is `npm run chaos -- --duration 300 --seed N`.
// KEEL_CHAOS_SEED replays another seed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeReport, runChaos } from './run.js';

const SEED = Number(process.env.KEEL_CHAOS_SEED ?? 20261128);

test(`chaos, short profile (seed ${SEED}): linearizable, no acknowledged write lost`, async () => {
  const report = await runChaos({ seed: SEED, durationMs: 20_000, clients: 4, gapMs: [500, 1500] });
  const text = describeReport(report);
  console.log(`\n${text}`);
  assert.ok(report.ok, text);
  assert.ok(report.faults.length >= 3, `only ${report.faults.length} faults`);
  assert.ok(Object.keys(report.faultsByKind).length >= 3, 'at least three kinds of fault');
  assert.ok(report.operations.acknowledgedWrites >= 50, `only ${report.operations.acknowledgedWrites} writes acknowledged`);
  assert.is(report.linearizability.keys, report.finalReads, 'every key was read at the end and checked');
});

test.run();

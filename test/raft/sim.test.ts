// The deterministic simulation campaign run by CI, plus tests of the checker itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulate, STRESS } from './sim/simulate.js';
import { Raft } from '../../src/raft/index.js';

const SEEDS = 300;
const STEPS = 2000;

test(`${SEEDS} seeds x ${STEPS} steps: safety after every step, liveness once faults stop`, () => {
  const failures: string[] = [];
  const seen = { leaders: 0, installs: 0, reads: 0, configs: 0, crashes: 0, transfers: 0 };
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = simulate({ seed, steps: STEPS });
    if (!r.ok) failures.push(`seed ${seed} (replay: npm run sim -- --seed ${seed}) at step ${r.step}: ${r.error}`);
    seen.leaders += r.stats.leadersElected;
    seen.installs += r.stats.snapshotsInstalled;
    seen.reads += r.stats.readsAnswered;
    seen.configs += r.stats.configsApplied;
    seen.crashes += r.stats.crashes;
    seen.transfers += r.stats.transfers;
  }
  assert.equal(failures, []);
  // The campaign really exercised what it claims to.
  for (const [what, count] of Object.entries(seen)) assert.ok(count > SEEDS, `${what}: only ${count}`);
});

test('stress profile (frequent leader crashes and partitions, one entry per message): 200 seeds pass', () => {
  const failures: string[] = [];
  for (let seed = 1; seed <= 200; seed++) {
    const r = simulate({ seed, steps: STEPS, ...STRESS });
    if (!r.ok) failures.push(`seed ${seed} (replay: npm run sim -- --stress --seed ${seed}) at step ${r.step}: ${r.error}`);
  }
  assert.equal(failures, []);
});

test('a seed replays exactly', () => {
  const a = simulate({ seed: 4242, steps: 1500 });
  const b = simulate({ seed: 4242, steps: 1500 });
  assert.equal(a, b);
});

/** Planted bug: commits an entry of an earlier term by counting replicas (violates §5.4.2, Figure 8). */
class PriorTermCommitRaft extends Raft {
  protected override canCommitAt(index: number): boolean { return this.log.term(index) !== undefined; }
}

/** Planted bug: a "quorum" one short of a majority. */
class ShortQuorumRaft extends Raft {
  override quorum(): number { return Math.floor(this.conf.voters.length / 2); }
}

function firstFailure(core: typeof Raft, maxSeeds: number, extra: object): { seed: number; error: string } | null {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const r = simulate({ seed, steps: STEPS, core, ...extra });
    if (!r.ok) return { seed, error: r.error ?? '' };
  }
  return null;
}

test('the checker catches a leader that commits an earlier-term entry by counting replicas', () => {
  const found = firstFailure(PriorTermCommitRaft, 600, { ...STRESS, size: 5 });
  assert.ok(found, 'the planted Figure-8 bug went unnoticed');
  assert.ok(/lacks committed entry|state machine safety|has last index/.test(found!.error), found!.error);
});

test('the checker catches a quorum one short of a majority', () => {
  const found = firstFailure(ShortQuorumRaft, 50, {});
  assert.ok(found, 'the planted quorum bug went unnoticed');
  assert.not.match(found!.error, /^crash:/);
});

test('frequent torn writes in the required order (entries, then hard state) stay safe', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const r = simulate({ seed, steps: STEPS, tornWriteRate: 0.03 });
    assert.ok(r.ok, `seed ${seed}: ${r.error}`);
  }
});

test('a leader that sends before persisting its own entries (etcd\'s optimization, as src/node does) stays safe', () => {
  for (let seed = 1; seed <= 150; seed++) {
    const r = simulate({ seed, steps: STEPS, tornWriteRate: 0.03, leaderSendsFirst: true, ...(seed % 2 ? STRESS : {}) });
    assert.ok(r.ok, `seed ${seed}: ${r.error}`);
  }
});

test('the checker catches a node that persists its hard state before its entries', () => {
  // A durable commit index can then cover entries that never reached the disk.
  let found: string | null = null;
  for (let seed = 1; seed <= 300 && !found; seed++) {
    const r = simulate({ seed, steps: STEPS, tornWriteRate: 0.03, hardStateFirst: true });
    if (!r.ok) found = r.error ?? '';
  }
  assert.ok(found, 'the planted persistence-order bug went unnoticed');
  assert.not.match(found!, /^crash:/);
});

test.run();

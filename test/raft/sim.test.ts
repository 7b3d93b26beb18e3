// The deterministic simulation campaign run by CI, plus tests of the checker itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulate, STRESS, type SimOptions } from './sim/simulate.js';
import type { ReadyLoopClass, SimSnapshot } from './sim/cluster.js';
import { Raft, type ConfState, type Entry, type Ready } from '../../src/raft/index.js';
import { ProgressTracker } from '../../src/raft/tracker.js';
import { ReadyLoop } from '../../src/node/ready-loop.js';

const SEEDS = 300;
const STEPS = 2000;

test(`${SEEDS} seeds x ${STEPS} steps: safety after every step, liveness once faults stop`, async () => {
  const failures: string[] = [];
  const seen = { leaders: 0, installs: 0, reads: 0, configs: 0, crashes: 0, transfers: 0 };
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = await simulate({ seed, steps: STEPS });
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

test('stress profile (frequent leader crashes and partitions, one entry per message): 200 seeds pass', async () => {
  const failures: string[] = [];
  for (let seed = 1; seed <= 200; seed++) {
    const r = await simulate({ seed, steps: STEPS, ...STRESS });
    if (!r.ok) failures.push(`seed ${seed} (replay: npm run sim -- --stress --seed ${seed}) at step ${r.step}: ${r.error}`);
  }
  assert.equal(failures, []);
});

test('a seed replays exactly', async () => {
  const a = await simulate({ seed: 4242, steps: 1500 });
  const b = await simulate({ seed: 4242, steps: 1500 });
  assert.equal(a, b);
});

/** Planted bug: commits an entry of an earlier term by counting replicas (violates §5.4.2, Figure 8). */
class PriorTermCommitRaft extends Raft {
  protected override canCommitAt(entryTerm: number | undefined): boolean { return entryTerm !== undefined; }
}

/** Planted bug: a "quorum" one short of a majority (in the tracker's one majority computation). */
class ShortQuorumTracker extends ProgressTracker {
  protected override quorum(): number { return Math.floor(this.conf.voters.length / 2); }
}
class ShortQuorumRaft extends Raft {
  protected override newTracker(conf: ConfState, maxInflight: number): ProgressTracker { return new ShortQuorumTracker(conf, maxInflight); }
}

async function firstFailure(extra: Partial<SimOptions>, maxSeeds: number): Promise<{ seed: number; error: string } | null> {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const r = await simulate({ seed, steps: STEPS, ...extra });
    if (!r.ok) return { seed, error: r.error ?? '' };
  }
  return null;
}

test('the checker catches a leader that commits an earlier-term entry by counting replicas', async () => {
  const found = await firstFailure({ core: PriorTermCommitRaft, ...STRESS, size: 5 }, 600);
  assert.ok(found, 'the planted Figure-8 bug went unnoticed');
  assert.ok(/lacks committed entry|state machine safety|has last index/.test(found!.error), found!.error);
});

test('the checker catches a quorum one short of a majority', async () => {
  const found = await firstFailure({ core: ShortQuorumRaft }, 50);
  assert.ok(found, 'the planted quorum bug went unnoticed');
  assert.not.match(found!.error, /^crash:/);
});

test('frequent crashes while a disk write is pending stay safe', async () => {
  for (let seed = 1; seed <= 150; seed++) {
    const r = await simulate({ seed, steps: STEPS, tornWriteRate: 0.03, ...(seed % 2 ? STRESS : {}) });
    assert.ok(r.ok, `seed ${seed}: ${r.error}`);
  }
});

// Planted bugs in the ready loop, one per rule of src/node/ready-loop.ts: each must be caught.

/** Persists the hard state before the entries: a durable commit index can cover entries lost in a crash. */
class HardStateFirstLoop extends ReadyLoop<SimSnapshot> {
  protected override async persist(rd: Ready): Promise<void> {
    if (rd.snapshot) this.stateMachine.restore(await this.storage.installSnapshot(rd.snapshot));
    if (rd.hardState) await this.storage.saveHardState(rd.hardState);
    if (rd.entries.length > 0) await this.storage.append(rd.entries);
  }
}

/** Every node sends before persisting (only a leader with a durable term and vote may). */
class AckBeforePersistLoop extends ReadyLoop<SimSnapshot> {
  protected override sendsBeforePersisting(): boolean { return true; }
}

/** Applies committed entries of this Ready's own new entries before their fsync. */
class ApplyBeforeOwnFsyncLoop extends ReadyLoop<SimSnapshot> {
  protected override splitCommitted(rd: Ready): { beforeFsync: Entry[]; afterFsync: Entry[] } {
    return rd.snapshot ? super.splitCommitted(rd) : { beforeFsync: rd.committedEntries, afterFsync: [] };
  }
}

/** Issues the writes but goes on without waiting for them to be durable. */
class NoFsyncWaitLoop extends ReadyLoop<SimSnapshot> {
  protected override async persist(rd: Ready): Promise<void> {
    void super.persist(rd);
  }
}

const plantedLoopBugs: [string, ReadyLoopClass, number, Partial<SimOptions>, RegExp][] = [
  ['persists its hard state before its entries', HardStateFirstLoop, 300, { tornWriteRate: 0.03 }, /./],
  ['acknowledges or votes before persisting', AckBeforePersistLoop, 50, {}, /before persisting|stored only up to/],
  ['applies an entry before the fsync of its own Ready', ApplyBeforeOwnFsyncLoop, 50, {}, /not in its stable storage/],
  ['does not wait for its writes to be durable', NoFsyncWaitLoop, 50, {}, /before persisting|stored only up to|not in its stable storage/],
];

for (const [what, loop, maxSeeds, extra, expected] of plantedLoopBugs) {
  test(`the checker catches a ready loop that ${what}`, async () => {
    const found = await firstFailure({ loop, ...extra }, maxSeeds);
    assert.ok(found, `the planted bug went unnoticed in ${maxSeeds} seeds`);
    assert.not.match(found!.error, /^crash:/);
    assert.match(found!.error, expected);
  });
}

test.run();

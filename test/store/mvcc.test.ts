// Reads at a past revision against a model: random writes (puts, deletes, txns, lease expiries,
// compactions), then reads at random past revisions compared with a replay of the same commands
// into the naive reference model, stopped at that revision.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CommandOp } from '../../src/codec/types.js';
import { CompactedError, FutureRevisionError } from '../../src/codec/errors.js';
import { KvStore } from '../../src/store/index.js';
import { FROM_KEY, applyAll, b, prng, put, rng } from './helpers.js';
import { RandomCommands } from './random-commands.js';
import { ReferenceModel } from './reference-model.js';

const SEEDS = [11, 22, 33, 44];
const STEPS = 1200;

/** The model after replaying `ops` up to (and stopping at) `revision`. */
function replayTo(ops: CommandOp[], revision: number): ReferenceModel {
  const model = new ReferenceModel();
  for (const op of ops) {
    if (model.revision === revision) break;
    const before = model.revision;
    model.apply(op);
    if (model.revision > revision) throw new Error(`replay jumped from ${before} past ${revision}`);
  }
  return model;
}

for (const seed of SEEDS) {
  test(`seed ${seed}: a read at any retained past revision equals a replay to that revision`, () => {
    const gen = new RandomCommands(seed);
    const rand = prng(seed * 7);
    const store = new KvStore({ historyRevisions: 400 });
    const ops: CommandOp[] = [];
    let checked = 0;
    for (let step = 0; step < STEPS; step++) {
      const op = gen.op(store.revision);
      ops.push(op);
      store.apply(step + 1, { requestId: null, op });
      if (rand.next() >= 0.1 || store.revision === 0) continue;
      const floor = Math.max(store.compactRevision, store.oldestEventRevision - 1);
      // Mostly inside the retained window (compactions move its floor up often), sometimes anywhere.
      const revision = rand.next() < 0.8 ? Math.max(1, floor + rand.int(store.revision - floor + 1)) : 1 + rand.int(store.revision);
      const key = rand.pick(['a', 'a/', 'b', 'c', 'd/', '\0']);
      const read = rng(key, rand.pick(['', FROM_KEY, 'b/2', 'd', 'e']), {
        limit: rand.pick([0, 0, 1, 3]), keysOnly: rand.next() < 0.2, countOnly: rand.next() < 0.1,
      });
      const where = `seed ${seed} step ${step} at revision ${revision} (current ${store.revision}, floor ${floor})`;
      if (revision < floor) {
        try {
          store.range(read, { revision });
          assert.unreachable(`${where}: expected Compacted`);
        } catch (err) {
          assert.instance(err, CompactedError, where);
          assert.is((err as CompactedError).revision, floor, where);
        }
        continue;
      }
      assert.equal(store.range(read, { revision }), replayTo(ops, revision).range(read), where);
      checked++;
    }
    assert.ok(checked > 50, `only ${checked} reads were checked`);
  });
}

test('a revision above the current one is FutureRevision; revision 0 and the current one read now', () => {
  const store = new KvStore();
  applyAll(store, put('k', 'v1'), put('k', 'v2'));
  assert.throws(() => store.range(rng('k'), { revision: 3 }), (e: unknown) => e instanceof FutureRevisionError);
  assert.equal(store.range(rng('k'), { revision: 2 }), store.range(rng('k')));
  assert.equal(store.range(rng('k'), { revision: 0 }), store.range(rng('k')));
  assert.equal(new TextDecoder().decode(store.range(rng('k'), { revision: 1 }).kvs[0]!.value), 'v1');
});

test('maxBytes pages a range: more is set, and pages chained after the last key cover it exactly once', () => {
  const store = new KvStore();
  for (let i = 0; i < 50; i++) applyAll(store, put(`p/${String(i).padStart(2, '0')}`, 'x'.repeat(100)));
  applyAll(store, put('p/00', 'changed'));
  const at = 50;
  const seen: string[] = [];
  let from = b('p/');
  for (;;) {
    const page = store.range({ ...rng('', 'p0'), key: from }, { revision: at, maxBytes: 1000 });
    assert.ok(page.kvs.length >= 1 && page.kvs.length <= 6, `page of ${page.kvs.length}`);
    for (const kv of page.kvs) seen.push(`${new TextDecoder().decode(kv.key)}=${kv.value.length}`);
    if (!page.more) break;
    const last = page.kvs[page.kvs.length - 1]!.key;
    from = new Uint8Array([...last, 0]);
  }
  assert.is(seen.length, 50);
  assert.is(seen[0], 'p/00=100', 'the page at revision 50 shows p/00 before it changed');
  assert.is(new Set(seen).size, 50);
});

test('a single key-value larger than maxBytes still comes back (one per page)', () => {
  const store = new KvStore();
  applyAll(store, put('big/1', 'y'.repeat(5000)), put('big/2', 'y'.repeat(5000)));
  const page = store.range(rng('big/', 'big0'), { maxBytes: 100 });
  assert.is(page.kvs.length, 1);
  assert.is(page.count, 2);
  assert.ok(page.more);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KvStore } from '../../src/store/index.js';
import { FROM_KEY, prng, rng } from './helpers.js';
import { RandomCommands } from './random-commands.js';
import { ReferenceModel } from './reference-model.js';

const SEEDS = [101, 202, 303, 404, 505];
const STEPS = 1500;

for (const seed of SEEDS) {
  test(`seed ${seed}: every outcome and every read matches the naive reference model`, () => {
    const gen = new RandomCommands(seed);
    const reads = prng(seed + 1);
    const store = new KvStore();
    const model = new ReferenceModel();
    for (let step = 0; step < STEPS; step++) {
      const op = gen.op(store.revision);
      const got = store.apply(step + 1, { requestId: null, op });
      const want = model.apply(op);
      const where = `seed ${seed} step ${step} ${op.type}`;
      assert.is(got.error?.code ?? null, want.errorCode, where);
      assert.is(got.revision, want.revision, where);
      assert.equal(got.result, want.result, where);
      if (reads.next() < 0.3) {
        const key = reads.pick(['', 'a', 'a/', 'b', 'c', 'd/']);
        const read = rng(key || 'a', reads.pick(['', FROM_KEY, 'b/2', 'd']), { limit: reads.int(4), keysOnly: reads.next() < 0.3 });
        assert.equal(store.range(read), model.range(read), `${where}: read`);
      }
    }
    assert.equal(store.range(rng('\0', FROM_KEY)), model.range(rng('\0', FROM_KEY)), `seed ${seed}: final state`);
    assert.equal(store.leaseIds(), [...model.leases.keys()].sort((x, y) => x - y));
    assert.is(store.compactRevision, model.compactRevision);
  });
}

test.run();

// A batch entry: several commands applied at one log index, each its own revision and outcome.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApplyOutcome, Command } from '../../src/codec/types.js';
import { KvStore, type WatchBatch } from '../../src/store/index.js';
import { b, cmd, put, s } from './helpers.js';

test('the commands of one entry apply in order, each its own revision; the entry advances appliedIndex once', () => {
  const store = new KvStore();
  const watched: string[] = [];
  store.watches.watch({ key: b('k'), rangeEnd: b('l'), startRevision: 0, prevKv: false }, (batch: WatchBatch) => {
    watched.push(...batch.events.map((e) => `${s(e.kv.key)}=${s(e.kv.value)}@${batch.revision}`));
  });
  const seen: [Command, ApplyOutcome][] = [];
  const cmds = [cmd(put('k1', 'a'), 'c', 1), cmd(put('k2', 'b'), 'c', 2), cmd(put('k1', 'c'), 'd', 1)];
  store.applyEntry(1, cmds, (c, o) => seen.push([c, o]));
  assert.equal(seen.map(([c]) => c), cmds);
  assert.equal(seen.map(([, o]) => o.revision), [1, 2, 3]);
  assert.equal(watched, ['k1=a@1', 'k2=b@2', 'k1=c@3'], 'one watch batch per revision, published as each command applies');
  assert.is(store.appliedIndex, 1);
  assert.is(store.get(b('k1'))!.version, 2);

  // A retried request inside a later batch is answered from the exactly-once table, not applied again.
  const again: ApplyOutcome[] = [];
  store.applyEntry(2, [cmd(put('k2', 'changed'), 'c', 2), cmd(put('k3', 'x'), 'c', 3)], (_, o) => again.push(o));
  assert.equal(again.map((o) => o.revision), [2, 4]);
  assert.is(s(store.get(b('k2'))!.value), 'b');
  assert.throws(() => store.applyEntry(2, [cmd(put('k4', 'y'))], () => {}), /indexes must increase/);
});

test.run();

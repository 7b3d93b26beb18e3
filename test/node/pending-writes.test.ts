import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TimeoutError } from '../../src/codec/errors.js';
import type { ApplyOutcome } from '../../src/codec/types.js';
import { PendingWrites } from '../../src/node/pending-writes.js';

const id = (seq: number) => ({ clientId: 'c', seq });
const outcome = (revision: number): ApplyOutcome => ({ revision, result: null, error: null });
const settledIn = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: Error) => ({ ok: false as const, e }));

test('every waiter of a request id gets the applied outcome; other ids keep waiting', async () => {
  const pw = new PendingWrites();
  const a = pw.wait(id(1), 10_000);
  const b = pw.wait(id(1), 10_000);
  const c = settledIn(pw.wait(id(2), 10_000));
  pw.applied(id(1), outcome(7));
  assert.equal(await a, outcome(7));
  assert.equal(await b, outcome(7));
  assert.is(pw.size, 1);
  pw.fail(id(2), new Error('refused'));
  const r = await c;
  assert.ok(!r.ok && r.e.message === 'refused');
  assert.is(pw.size, 0);
});

test('unapplied writes time out in deadline order, shorter timeouts first, and only they do', async () => {
  const pw = new PendingWrites();
  const order: number[] = [];
  const track = (seq: number, ms: number) => settledIn(pw.wait(id(seq), ms)).then((r) => { order.push(seq); return r; });
  const slow = track(1, 120);
  const applied = track(2, 60);
  const fast = track(3, 30);
  const mid = track(4, 60);
  pw.applied(id(2), outcome(1));
  const results = await Promise.all([slow, applied, fast, mid]);
  assert.equal(order, [2, 3, 4, 1]);
  assert.ok(results[1]!.ok);
  for (const r of [results[0]!, results[2]!, results[3]!]) assert.ok(!r.ok && r.e instanceof TimeoutError, String(!r.ok && r.e));
  assert.is(pw.size, 0);
});

test('many writes applied before their deadline leave nothing behind; a later one still times out', async () => {
  const pw = new PendingWrites();
  for (let i = 0; i < 5000; i++) {
    const p = pw.wait(id(i), 50);
    pw.applied(id(i), outcome(i));
    await p;
  }
  assert.is(pw.size, 0);
  const late = await settledIn(pw.wait(id(9999), 20));
  assert.ok(!late.ok && late.e instanceof TimeoutError);
});

test('failAll rejects every waiter at once (the node is stopping)', async () => {
  const pw = new PendingWrites();
  const all = [1, 2, 3].map((s) => settledIn(pw.wait(id(s), 60_000)));
  pw.failAll(new Error('stopping'));
  for (const r of await Promise.all(all)) assert.ok(!r.ok && r.e.message === 'stopping');
  assert.is(pw.size, 0);
});

test('a waiter that times out leaves the other waiters of its request id waiting', async () => {
  for (const shortFirst of [true, false]) {
    const pw = new PendingWrites();
    const early = settledIn(pw.wait(id(1), shortFirst ? 20 : 10_000));
    const late = settledIn(pw.wait(id(1), shortFirst ? 10_000 : 20));
    const third = settledIn(pw.wait(id(1), 10_000));
    const [timedOut, waiting] = shortFirst ? [early, late] : [late, early];
    const r = await timedOut;
    assert.ok(!r.ok && r.e instanceof TimeoutError);
    assert.is(pw.size, 1, 'the request id still has waiters');
    pw.applied(id(1), outcome(3));
    for (const w of [await waiting, await third]) assert.ok(w.ok && w.v.revision === 3);
    assert.is(pw.size, 0);
  }
});

test('request ids of different clients with the same seq are apart', async () => {
  const pw = new PendingWrites();
  const a = settledIn(pw.wait({ clientId: 'a', seq: 1 }, 10_000));
  const b = settledIn(pw.wait({ clientId: 'b', seq: 1 }, 10_000));
  assert.is(pw.size, 2);
  pw.applied({ clientId: 'b', seq: 1 }, outcome(5));
  const rb = await b;
  assert.ok(rb.ok && rb.v.revision === 5);
  assert.is(pw.size, 1);
  pw.failAll(new Error('stopping'));
  const ra = await a;
  assert.ok(!ra.ok && ra.e.message === 'stopping');
  assert.is(pw.size, 0);
});

test.run();

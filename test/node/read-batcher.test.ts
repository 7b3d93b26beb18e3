// ReadBatcher: reads arriving in one turn share one ReadIndex round; a round the old leader never
// answered is asked again of a new leader instead of waiting out the timeout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HOLD_MS, ReadBatcher } from '../../src/node/read-batcher.js';

function batcher(timeoutMs = 5000) {
  const requests: string[] = [];
  let applied = 0;
  const b = new ReadBatcher({ nodeId: 'n1', timeoutMs, appliedIndex: () => applied, requestReadIndex: (c) => requests.push(c) });
  return { b, requests, apply: (i: number) => { applied = i; b.onApplied(i); } };
}
const turn = () => new Promise((r) => setImmediate(r));

test('reads of one turn share one round; they resolve once the read index is applied', async () => {
  const { b, requests, apply } = batcher();
  let done = 0;
  const reads = [b.waitLinearizable(), b.waitLinearizable()].map((p) => p.then(() => done++));
  await turn();
  assert.is(requests.length, 1);
  b.onReadState(requests[0]!, 7);
  await turn();
  assert.is(done, 0, 'not before index 7 is applied');
  apply(7);
  await Promise.all(reads);
  assert.is(done, 2);
});

test('retryInFlight asks again for an unanswered round (a new leader), and its answer resolves the reads', async () => {
  const { b, requests, apply } = batcher();
  const read = b.waitLinearizable();
  await turn();
  assert.is(requests.length, 1);
  b.retryInFlight();
  assert.equal(requests, [requests[0], requests[0]], 'the same round, asked again');
  apply(3);
  b.onReadState(requests[1]!, 3);
  await read;
  b.retryInFlight();
  assert.is(requests.length, 2, 'an answered round is not asked again');
});

test('an unanswered round fails with Unavailable after the timeout', async () => {
  const { b } = batcher(20);
  const read = b.waitLinearizable();
  try {
    await read;
    assert.unreachable('should fail');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'Unavailable');
  }
});

test('while a round is in flight the next batch waits for its answer, or HOLD_MS at most', async () => {
  const { b, requests, apply } = batcher();
  apply(10);
  const first = b.waitLinearizable();
  await turn();
  assert.is(requests.length, 1);
  const held = [b.waitLinearizable(), b.waitLinearizable()];
  await turn();
  await turn();
  assert.is(requests.length, 1, 'no second round while the first is in flight');
  b.onReadState(requests[0]!, 10);
  await first;
  await turn();
  assert.is(requests.length, 2, 'the held batch asks as soon as the first round is answered');
  b.onReadState(requests[1]!, 10);
  await Promise.all(held);
  // A round never answered (lost on the way) holds the next batch HOLD_MS, not the round's timeout.
  void b.waitLinearizable().catch(() => {});
  await turn();
  assert.is(requests.length, 3);
  const started = Date.now();
  const late = b.waitLinearizable();
  while (requests.length < 4) await new Promise((r) => setTimeout(r, 1));
  assert.ok(Date.now() - started < HOLD_MS + 50, `held ${Date.now() - started} ms`);
  b.onReadState(requests[3]!, 10);
  await late;
  b.failAll(new Error('stop'));
});

test.run();

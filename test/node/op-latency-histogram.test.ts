// OpLatencyHistogram exports what prom-client's Histogram with one `op` label would, for the same
// observations (the text /metrics serves), and the status page's stats come from the same counts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Histogram, Registry } from 'prom-client';
import { OpLatencyHistogram } from '../../src/node/op-latency-histogram.js';
import { REQUEST_BUCKETS } from '../../src/node/node-metrics.js';

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const h = new OpLatencyHistogram('keel_x_seconds', 'Latency, per op.', REQUEST_BUCKETS, ours);
  const p = new Histogram({ name: 'keel_x_seconds', help: 'Latency, per op.', labelNames: ['op'], buckets: REQUEST_BUCKETS, registers: [theirs] });
  return { ours, theirs, h, p };
}

test('the same text as prom-client for the same observations, bounds and values past the last one included', async () => {
  const { ours, theirs, h, p } = pair();
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const ops = ['put', 'range', 'txn'];
  const values = [...REQUEST_BUCKETS, 0, 6, 100, ...Array.from({ length: 500 }, () => random() ** 4 * 3)];
  values.forEach((v, i) => {
    const op = ops[i % ops.length]!;
    h.op(op).observe(v);
    p.labels({ op }).observe(v);
  });
  h.op('status'); // never observed: not exported, as prom-client does not export a label set it never saw
  assert.is(await ours.metrics(), await theirs.metrics());
});

test('stats are the cumulative counts per bound, the sum and the count of each observed op', () => {
  const { h } = pair();
  const put = h.op('put');
  for (const v of [0.0001, 0.0005, 0.003, 9]) put.observe(v);
  const s = h.stats();
  assert.equal(Object.keys(s), ['put']);
  assert.is(s.put!.count, 4);
  assert.ok(Math.abs(s.put!.sumSeconds - 9.0036) < 1e-12);
  assert.equal(s.put!.buckets.slice(0, 4), [2, 2, 2, 3]);
  assert.is(s.put!.buckets[REQUEST_BUCKETS.length - 1], 3, 'the observation past the last bound is only in +Inf');
});

test('reset zeroes every op, and the observers handed out keep counting', async () => {
  const { ours, h } = pair();
  const put = h.op('put');
  put.observe(0.002);
  ours.resetMetrics();
  assert.equal(h.stats(), {});
  assert.not.match(await ours.metrics(), /keel_x_seconds_count/);
  put.observe(0.002);
  assert.match(await ours.metrics(), /^keel_x_seconds_count\{op="put"\} 1$/m);
});

test.run();

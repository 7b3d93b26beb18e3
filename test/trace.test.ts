// npm run critical-path against a real cluster (a short run): every step of a put's path is found
// in the nodes' traces and the steps fit inside the client's time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runTs } from './helpers/processes.js';

test('critical-path traces sequential puts through the leader and a follower', async () => {
  const r = await runTs('tools/critical-path.ts', ['--puts', '150'], { timeoutMs: 90_000 });
  assert.is(r.code, 0, r.stderr);
  const steps = new Map<string, { ms: number; n: number }>();
  for (const line of r.stdout.split('\n')) {
    const m = /^\s+(.+?)\s+(-?[\d.]+)\s+\(n=(\d+)\)$/.exec(line);
    if (m) steps.set(m[1]!, { ms: Number(m[2]), n: Number(m[3]) });
  }
  for (const name of ['client request -> leader receives it', 'appends: leader -> NATS -> follower', 'follower: log write (O_DSYNC)',
    'ack: follower -> NATS -> leader', 'leader: ack -> applied', 'reply: leader -> NATS -> client', 'total (client)']) {
    const step = steps.get(name);
    assert.ok(step && step.n >= 50, `${name}: found for most puts (${r.stdout})`);
    assert.ok(step.ms >= 0 && step.ms <= steps.get('total (client)')!.ms, `${name}: within the put's time`);
  }
});

test.run();

// `npm run bench:mac`: what authenticating Raft batches costs (src/transport/raft-auth.ts): seals
// (sender side) and opens (receiver side) per second for batch sizes from a heartbeat to a large
// append, one core, in-process.
import { randomBytes } from 'node:crypto';
import { RaftAuth } from '../src/transport/raft-auth.js';

const SIZES = [64, 1024, 16 * 1024, 256 * 1024];
const auth = new RaftAuth(randomBytes(32), 'default');

function measure(size: number, ms: number): { sealsPerSec: number; opensPerSec: number; mbPerSec: number } {
  const payload = new Uint8Array(randomBytes(size));
  const frame = auth.seal('n1', 'n2', payload);
  let n = 0;
  let start = process.hrtime.bigint();
  const until = (): boolean => Number(process.hrtime.bigint() - start) / 1e6 < ms;
  while (until()) for (let i = 0; i < 100; i++, n++) auth.seal('n1', 'n2', payload);
  const seals = n / (ms / 1000);
  n = 0;
  start = process.hrtime.bigint();
  while (until()) {
    for (let i = 0; i < 100; i++, n++) if (!auth.open('n2', frame).ok) throw new Error('a valid frame did not open');
  }
  const opens = n / (ms / 1000);
  return { sealsPerSec: Math.round(seals), opensPerSec: Math.round(opens), mbPerSec: Math.round((opens * size) / 1e6) };
}

measure(1024, 300); // warm up
console.log('batch bytes   seals/s    opens/s   MB/s (open)');
for (const size of SIZES) {
  const r = measure(size, 1000);
  console.log(`${String(size).padStart(11)} ${String(r.sealsPerSec).padStart(9)} ${String(r.opensPerSec).padStart(10)} ${String(r.mbPerSec).padStart(8)}`);
}

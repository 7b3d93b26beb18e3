// Proposals per second through an in-memory 3-node Raft cluster: no disk, no network, messages
// delivered synchronously. Measures the core's own cost per entry.
//   npm run bench:raft -- [--proposals 200000] [--batch 64] [--size 128]
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { RaftNode, type Message } from '../src/raft/index.js';

const argv = yargs(hideBin(process.argv))
  .option('proposals', { type: 'number', default: 200_000 })
  .option('batch', { type: 'number', default: 64, describe: 'proposals per round before pumping messages' })
  .option('size', { type: 'number', default: 128, describe: 'payload bytes' })
  .strict()
  .parseSync();

const ids = ['a', 'b', 'c'];
let seed = 1;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const nodes = new Map(ids.map((id) => [id, new RaftNode({ id, voters: ids, random })]));
let applied = 0;

/** Runs every Ready to completion until the cluster is quiet. */
function pump(): void {
  let inbox: Message[] = [];
  for (;;) {
    let busy = false;
    for (const node of nodes.values()) {
      if (!node.hasReady()) continue;
      busy = true;
      const rd = node.ready();
      inbox.push(...rd.messages);
      if (node === leaderNode) applied += rd.committedEntries.length;
      node.advance(rd);
    }
    const batch = inbox;
    inbox = [];
    for (const m of batch) nodes.get(m.to)!.step(m);
    if (!busy && batch.length === 0) return;
  }
}

let leaderNode: RaftNode | undefined;
for (let t = 0; t < 100 && !leaderNode; t++) {
  for (const n of nodes.values()) n.tick();
  pump();
  leaderNode = [...nodes.values()].find((n) => n.status().role === 'leader');
}
if (!leaderNode) throw new Error('no leader elected');
pump();
const leader = leaderNode;
const base = leader.status().commit;
applied = 0;
const payload = new Uint8Array(argv.size).fill(7);

const started = process.hrtime.bigint();
let proposed = 0;
let rounds = 0;
while (proposed < argv.proposals) {
  const n = Math.min(argv.batch, argv.proposals - proposed);
  for (let i = 0; i < n; i++) leader.propose(payload);
  proposed += n;
  pump();
  // Heartbeats keep the leader's check-quorum happy, as the real clock would.
  if (++rounds % 8 === 0) { for (const node of nodes.values()) node.tick(); pump(); }
  // Let the in-memory log stay bounded, as snapshots would.
  if (rounds % 64 === 0) {
    for (const node of nodes.values()) {
      const s = node.status();
      node.setSnapshot({ index: s.applied, term: node.logTerm(s.applied)!, conf: s.conf }, new Uint8Array(0));
    }
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const committed = leader.status().commit - base;
if (committed < argv.proposals) throw new Error(`only ${committed} of ${argv.proposals} proposals committed`);
console.log(`${argv.proposals} proposals (${argv.size} B, batches of ${argv.batch}) through a 3-node in-memory cluster: ` +
  `${Math.round(argv.proposals / seconds).toLocaleString('en-US')} proposals/s (${((seconds * 1e6) / argv.proposals).toFixed(2)} µs each; leader applied ${applied})`);

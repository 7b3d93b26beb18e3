// Placement plans at scale: placing 10,000 partitions (RF 3) over 100 brokers in 10 racks, repairing
// after one broker leaves, and rebalancing after it comes back. Prints the time each took, the moves
// and the resulting balance.  npm run bench:placement [-- --partitions N --brokers N]
import { performance } from 'node:perf_hooks';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { place, rebalance, repair, type PartitionPlacement, type PlacementBroker } from '../src/placement/index.js';

const argv = yargs(hideBin(process.argv))
  .option('partitions', { type: 'number', default: 10_000 })
  .option('brokers', { type: 'number', default: 100 })
  .option('racks', { type: 'number', default: 10 })
  .option('rf', { type: 'number', default: 3 })
  .strict()
  .parseSync();

const brokers: PlacementBroker[] = Array.from({ length: argv.brokers }, (_, i) => ({ id: `broker-${i}`, rack: `rack-${i % argv.racks}` }));
const wanted = Array.from({ length: argv.partitions }, (_, i) => ({ topic: `topic-${Math.floor(i / 100)}`, partition: i % 100, replicationFactor: argv.rf }));

function timed<T>(label: string, fn: () => T): T {
  const start = performance.now();
  const out = fn();
  console.log(`${label}: ${(performance.now() - start).toFixed(1)} ms`);
  return out;
}

function balance(parts: readonly PartitionPlacement[], live: readonly PlacementBroker[]): string {
  const replicas = new Map(live.map((b) => [b.id, 0]));
  const leaders = new Map(live.map((b) => [b.id, 0]));
  for (const p of parts) p.replicas.forEach((id, slot) => {
    replicas.set(id, replicas.get(id)! + 1);
    if (slot === 0) leaders.set(id, leaders.get(id)! + 1);
  });
  const range = (m: Map<string, number>) => `${Math.min(...m.values())}..${Math.max(...m.values())}`;
  return `replicas per broker ${range(replicas)}, preferred leaders ${range(leaders)}`;
}

const placed = timed(`place ${argv.partitions} partitions (RF ${argv.rf}) over ${argv.brokers} brokers in ${argv.racks} racks`, () => place(brokers, [], wanted));
console.log(`  ${balance(placed.placements, brokers)}`);
const live = brokers.slice(1);
const repaired = timed(`repair after ${brokers[0]!.id} leaves`, () => repair(live, placed.placements));
console.log(`  ${repaired.moves.length} moves, ${repaired.underReplicated.length} under-replicated, ${balance(repaired.placements, live)}`);
const rebalanced = timed(`rebalance after it returns`, () => rebalance(brokers, repaired.placements));
console.log(`  ${rebalanced.moves.length} moves, ${balance(rebalanced.placements, brokers)}`);

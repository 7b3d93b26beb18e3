// The placement controller: runs on the Keel leader only (`keel serve` starts it when its node
// becomes leader and stops it when leadership moves). It keeps the partition records in line with
// the topics and the live brokers: places new partitions, moves replicas off brokers whose
// registration expired, elects partition leaders, and serves explicit rebalance requests. It holds
// no state of its own: every pass reads the store and writes what `reconcile` decides, each write
// guarded by the modRevisions it was computed from, so a pass on a stale view (or an old leader's
// controller still running for a moment) fails its compare and the next pass starts again.
import { BROKERS_PREFIX } from '../client/broker-keys.js';
import type { KeyValueApi } from '../client/kv-api.js';
import { cmp, op } from '../client/txn.js';
import type { Compare, TxnOp } from '../codec/types.js';
import { PARTITIONS_PREFIX, REBALANCE_KEY, TOPICS_PREFIX } from './keys.js';
import { encodeRecord } from './records.js';
import { reconcile, type PartitionWrite, type ReconcileResult } from './reconcile.js';
import { ChangeSignal, readView } from './view.js';
import { decodeRebalance, encodeRebalance } from './rebalance-request.js';

export interface ControllerOptions {
  /** Called with what each pass changed (for logs). */
  onPass?: (summary: PassSummary) => void;
  onError?: (err: Error) => void;
  /** A pass runs at least this often even when no watch fires. Default 5000. */
  resyncMs?: number;
  /** Partition writes per txn (each also carries a compare per write and per topic). Default 50. */
  writesPerTxn?: number;
}

export interface PassSummary {
  writes: number;
  moves: number;
  leaderChanges: number;
  underReplicated: number;
  rebalance: string | null;
  /** False when a write's compare failed (another writer got there first): a new pass follows. */
  complete: boolean;
}

const WATCHED = [BROKERS_PREFIX, TOPICS_PREFIX, PARTITIONS_PREFIX, REBALANCE_KEY];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PlacementController {
  private running = false;
  private loop: Promise<void> | null = null;
  private signal: ChangeSignal | null = null;

  constructor(private readonly kv: KeyValueApi, private readonly o: ControllerOptions = {}) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.signal?.cancel();
    await this.loop;
    this.loop = null;
  }

  /** One pass now: read, decide, write. */
  async pass(): Promise<PassSummary> {
    const [view, request] = await Promise.all([readView(this.kv), this.kv.get(REBALANCE_KEY)]);
    const wanted = request ? decodeRebalance(request.valueString) : null;
    const rebalanceId = wanted && wanted.state === 'requested' ? wanted.id : null;
    const result = reconcile(view, rebalanceId ? 'rebalance' : 'repair');
    let complete = await this.write(result.writes);
    if (complete && rebalanceId && request) {
      const done = encodeRebalance({ id: rebalanceId, state: 'done', moves: result.moves.length, leaderChanges: result.leaderChanges });
      const r = await this.kv.txn({ compare: [cmp.modRevision(REBALANCE_KEY, '=', request.modRevision)], success: [op.put(REBALANCE_KEY, done)] });
      complete = r.succeeded;
    }
    return summary(result, rebalanceId, complete);
  }

  private async run(): Promise<void> {
    const resyncMs = this.o.resyncMs ?? 5000;
    let dirty = true;
    while (this.running) {
      try {
        this.signal ??= new ChangeSignal(this.kv, WATCHED);
        // Wait for a change (or the resync period), then let a burst of events settle.
        if (!dirty && await this.signal.changed(resyncMs)) await sleep(20);
        if (!this.running) break;
        const s = await this.pass();
        if (s.writes > 0 || !s.complete) this.o.onPass?.(s);
        dirty = !s.complete;
      } catch (err) {
        if (!this.running) break;
        this.o.onError?.(err as Error);
        await this.signal?.cancel().catch(() => undefined);
        this.signal = null;
        dirty = true;
        await sleep(500);
      }
    }
  }

  /** Writes in txns of at most `writesPerTxn` records; false when a compare failed. */
  private async write(writes: PartitionWrite[]): Promise<boolean> {
    const per = this.o.writesPerTxn ?? 50;
    for (let i = 0; i < writes.length; i += per) {
      const chunk = writes.slice(i, i + per);
      const compare: Compare[] = [];
      const success: TxnOp[] = [];
      const topics = new Map<string, number>();
      for (const w of chunk) {
        compare.push(w.expectModRevision === 0 ? cmp.createRevision(w.key, '=', 0) : cmp.modRevision(w.key, '=', w.expectModRevision));
        success.push(w.state ? op.put(w.key, encodeRecord(w.state)) : op.delete(w.key));
        if (w.topic) topics.set(w.topic.key, w.topic.modRevision);
      }
      for (const [key, rev] of topics) compare.push(cmp.modRevision(key, '=', rev));
      const r = await this.kv.txn({ compare, success });
      if (!r.succeeded) return false;
    }
    return true;
  }
}

function summary(result: ReconcileResult, rebalance: string | null, complete: boolean): PassSummary {
  return {
    writes: result.writes.length, moves: result.moves.length, leaderChanges: result.leaderChanges,
    underReplicated: result.underReplicated.length, rebalance, complete,
  };
}

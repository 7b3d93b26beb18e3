// The propagation barrier: brokers report the store revision they have applied (heartbeat or
// reportApplied, under /keel/applied/<id> on their lease), and waitApplied(revision) returns once
// every live broker has reached it — so a topic deletion, reassignment or ACL change can be
// sequenced after every broker has seen the change before it. A report counts only when it carries
// the broker's current epoch.
import { BarrierTimeoutError, InvalidArgumentError } from '../codec/errors.js';
import { APPLIED_PREFIX, BROKERS_PREFIX } from '../client/broker-keys.js';
import type { KeyValueApi } from '../client/kv-api.js';
import { ChangeSignal, readBrokers } from './view.js';

export interface BrokerLag {
  id: string;
  epoch: number;
  /** The revision it reported (0 when it has reported none with its current epoch). */
  applied: number;
  /** The store's revision minus `applied`. */
  lag: number;
}

export async function brokerLag(kv: KeyValueApi): Promise<{ revision: number; brokers: BrokerLag[] }> {
  const [{ brokers, revision }, reports] = await Promise.all([readBrokers(kv), kv.range({ prefix: APPLIED_PREFIX })]);
  const applied = new Map<string, { epoch: number; revision: number }>();
  for (const kv of reports.kvs) {
    try {
      const v = JSON.parse(kv.valueString) as { epoch?: unknown; revision?: unknown };
      if (typeof v.epoch === 'number' && typeof v.revision === 'number') applied.set(kv.keyString.slice(APPLIED_PREFIX.length), { epoch: v.epoch, revision: v.revision });
    } catch {
      // not a report: ignore
    }
  }
  const now = Math.max(revision, reports.header.revision);
  return {
    revision: now,
    brokers: brokers.map((b) => {
      const report = applied.get(b.id);
      const at = report && report.epoch === b.epoch ? report.revision : 0;
      return { id: b.id, epoch: b.epoch, applied: at, lag: Math.max(0, now - at) };
    }),
  };
}

/** Resolves when every live broker has applied `revision`; BarrierTimeoutError names the laggards. */
export async function waitApplied(kv: KeyValueApi, revision: number, o: { timeoutMs?: number } = {}): Promise<BrokerLag[]> {
  if (!Number.isSafeInteger(revision) || revision < 0) throw new InvalidArgumentError(`revision must be a non-negative integer, got ${revision}`);
  const deadline = Date.now() + (o.timeoutMs ?? 10_000);
  const signal = new ChangeSignal(kv, [APPLIED_PREFIX, BROKERS_PREFIX]);
  try {
    await signal.ready;
    for (;;) {
      const { brokers } = await brokerLag(kv);
      const behind = brokers.filter((b) => b.applied < revision);
      if (behind.length === 0) return brokers;
      const left = deadline - Date.now();
      if (left <= 0) throw new BarrierTimeoutError(revision, behind.map((b) => ({ id: b.id, applied: b.applied })));
      await signal.changed(left);
    }
  } finally {
    await signal.cancel();
  }
}

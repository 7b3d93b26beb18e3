// The clients of a chaos run: concurrent workers, each with its own client (its own NATS connection
// and exactly-once client id), each doing one operation at a time — get, put or cas (a txn) — on a
// small set of keys, and recording every operation with its invoke and completion times.
// Keys change every `generationMs` (Jepsen's "independent" keys), which keeps each key's history
// short enough for the linearizability search however long the run is.
// A write that throws (timeout, lost connection, no leader until the deadline) is recorded as info:
// it may still be applied. A read that throws is recorded as fail: it changed nothing.
import { cmp, op, type KeelClient } from '../../src/client/index.js';
import { Rng } from '../raft/sim/rng.js';
import { nowMs, type Operation } from './history.js';

export interface WorkloadOptions {
  seed: number;
  clients: KeelClient[];
  /** Stop starting operations after this time (epoch ms). */
  untilMs: number;
  keysPerGeneration?: number;
  generationMs?: number;
  /** Each worker waits a seeded 0..thinkMs between operations. */
  thinkMs?: number;
}

export const KEY_PREFIX = 'chaos/';

/** Runs the workers to `untilMs`; returns every operation, and the set of keys used. */
export async function runWorkload(o: WorkloadOptions): Promise<{ ops: Operation[]; keys: Set<string> }> {
  const ops: Operation[] = [];
  const keys = new Set<string>();
  const startedMs = Date.now();
  const keysPerGeneration = o.keysPerGeneration ?? 6;
  const generationMs = o.generationMs ?? 5000;
  const thinkMs = o.thinkMs ?? 10;

  const worker = async (index: number, client: KeelClient): Promise<void> => {
    const rng = new Rng(o.seed * 7919 + index + 1);
    const lastSeen = new Map<string, string>(); // key -> the last value this worker read or wrote there
    for (let n = 0; Date.now() < o.untilMs; n++) {
      const generation = Math.floor((Date.now() - startedMs) / generationMs);
      const key = `${KEY_PREFIX}g${generation}/k${rng.int(0, keysPerGeneration - 1)}`;
      keys.add(key);
      const value = `c${index}.${n}`;
      const roll = rng.next();
      const expected = lastSeen.get(key);
      let record: Operation;
      if (roll < 0.4) record = await doGet(client, index, key);
      else if (roll < 0.7 || expected === undefined) record = await doPut(client, index, key, value);
      else record = await doCas(client, index, key, expected, value);
      ops.push(record);
      if (record.outcome === 'ok') {
        if (record.kind === 'get' && record.read) lastSeen.set(key, record.read);
        if (record.kind === 'put' || record.succeeded) lastSeen.set(key, value);
      }
      if (thinkMs > 0) await new Promise((r) => setTimeout(r, rng.int(0, thinkMs)));
    }
  };
  await Promise.all(o.clients.map((c, i) => worker(i, c)));
  return { ops, keys };
}

export async function doGet(client: KeelClient, index: number, key: string): Promise<Operation> {
  const invokeMs = nowMs();
  try {
    const kv = await client.get(key);
    return { client: index, key, kind: 'get', outcome: 'ok', read: kv ? kv.valueString : null, invokeMs, completeMs: nowMs() };
  } catch (err) {
    return { client: index, key, kind: 'get', outcome: 'fail', error: errorName(err), invokeMs, completeMs: nowMs() };
  }
}

async function doPut(client: KeelClient, index: number, key: string, value: string): Promise<Operation> {
  const invokeMs = nowMs();
  try {
    await client.put(key, value);
    return { client: index, key, kind: 'put', value, outcome: 'ok', invokeMs, completeMs: nowMs() };
  } catch (err) {
    return { client: index, key, kind: 'put', value, outcome: 'info', error: errorName(err), invokeMs, completeMs: nowMs() };
  }
}

async function doCas(client: KeelClient, index: number, key: string, expected: string, value: string): Promise<Operation> {
  const invokeMs = nowMs();
  const base = { client: index, key, kind: 'cas' as const, expected, value, invokeMs };
  try {
    const r = await client.txn().compare(cmp.value(key, '=', expected)).success(op.put(key, value)).commit();
    return { ...base, outcome: 'ok', succeeded: r.succeeded, completeMs: nowMs() };
  } catch (err) {
    return { ...base, outcome: 'info', error: errorName(err), completeMs: nowMs() };
  }
}

function errorName(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err) return String((err as { code: unknown }).code);
  return err instanceof Error ? err.message.slice(0, 120) : String(err);
}

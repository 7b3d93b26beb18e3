// A watch through the chaos: one watcher on the workload's prefix for the whole run (its serving
// node is killed, stopped and cut off like any other; the client resumes it elsewhere). Afterwards
// its events must be in strictly increasing revision order (no duplicate), name only values some
// client wrote, include every acknowledged write (no gap), and end, per key, on the final value.
import type { KeelClient, Watch } from '../../src/client/index.js';
import { isAcknowledgedWrite, mayHaveWritten, type Operation } from './history.js';

export interface WatchedEvent { revision: number; key: string; type: 'put' | 'delete'; value: string }

export interface WatchRecorder {
  /** Waits until the watch has delivered everything up to `revision` (or timeoutMs), then cancels it. */
  finish(revision: number, timeoutMs: number): Promise<{ events: WatchedEvent[]; caughtUp: boolean; error: string | null }>;
}

export async function recordWatch(client: KeelClient, prefix: string): Promise<WatchRecorder> {
  const events: WatchedEvent[] = [];
  let progress = 0;
  let error: string | null = null;
  const watch: Watch = client.watch({ prefix }, { onProgress: (r) => { progress = Math.max(progress, r); } });
  await watch.ready;
  const reading = (async () => {
    try {
      for await (const e of watch) {
        events.push({ revision: e.revision, key: e.kv.keyString, type: e.type, value: e.kv.valueString });
      }
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  })();
  const seen = (): number => Math.max(progress, events.at(-1)?.revision ?? 0);
  return {
    async finish(revision, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (seen() < revision && error === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const caughtUp = seen() >= revision;
      await watch.cancel();
      await reading;
      return { events, caughtUp, error };
    },
  };
}

export interface WatchCheck {
  ok: boolean;
  events: number;
  problems: string[];
}

export function checkWatch(
  w: { events: WatchedEvent[]; caughtUp: boolean; error: string | null }, ops: readonly Operation[], finalReads: readonly Operation[],
): WatchCheck {
  const problems: string[] = [];
  if (w.error) problems.push(`the watch failed: ${w.error}`);
  if (!w.caughtUp) problems.push('the watch did not catch up with the final revision');
  const written = new Set(ops.filter(mayHaveWritten).map((op) => op.value as string));
  const delivered = new Set<string>();
  const lastByKey = new Map<string, string>();
  let previous = 0;
  for (const e of w.events) {
    if (e.revision <= previous) problems.push(`revision ${e.revision} after ${previous} (duplicate or out of order)`);
    previous = e.revision;
    if (e.type !== 'put' || !written.has(e.value)) problems.push(`event at revision ${e.revision} on ${e.key}: ${e.type} ${e.value}, which no client wrote`);
    delivered.add(e.value);
    lastByKey.set(e.key, e.value);
  }
  if (w.caughtUp && !w.error) {
    const missed = ops.filter((op) => isAcknowledgedWrite(op) && !delivered.has(op.value as string));
    for (const op of missed.slice(0, 10)) problems.push(`acknowledged write ${op.key} = ${op.value} never came through the watch`);
    if (missed.length > 10) problems.push(`... ${missed.length - 10} more acknowledged writes missing from the watch`);
    for (const r of finalReads) {
      if (r.outcome === 'ok' && (lastByKey.get(r.key) ?? null) !== (r.read ?? null)) {
        problems.push(`the watch's last value of ${r.key} is ${lastByKey.get(r.key) ?? 'none'}, the final read ${r.read ?? 'missing'}`);
      }
    }
  }
  return { ok: problems.length === 0, events: w.events.length, problems };
}

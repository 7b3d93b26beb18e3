// Acknowledged writes are never lost: after the faults are healed, a final linearizable read of every
// key must show a value that no acknowledged write has certainly replaced. Every write carries a
// unique value, so the value read names the write that produced it (W). An acknowledged write A is
// lost when it was invoked after W completed (A must then come after W, so W's value cannot be the
// last) or when the key reads as missing although A was acknowledged (nothing here deletes).
// A value no write produced is reported too. This is a narrower check than linearizability, with a
// plainer message: it names the lost write.
import { describeOp, isAcknowledgedWrite, mayHaveWritten, type Operation } from './history.js';

export interface LostWriteReport {
  ok: boolean;
  /** Keys whose final read succeeded and was checked. */
  keysChecked: number;
  acknowledgedWrites: number;
  lost: { key: string; write: Operation; finalValue: string | null }[];
  /** Final values that no write (acknowledged or unknown) wrote. */
  unknownValues: { key: string; value: string }[];
  /** Keys written to but with no successful final read. */
  unread: string[];
}

/** `finalReads` are the final gets (outcome ok), one per key at most; `ops` is the clients' history. */
export function checkNoLostWrites(ops: readonly Operation[], finalReads: readonly Operation[]): LostWriteReport {
  const writesByKey = new Map<string, Operation[]>();
  for (const op of ops) {
    if (!mayHaveWritten(op)) continue;
    let list = writesByKey.get(op.key);
    if (!list) writesByKey.set(op.key, (list = []));
    list.push(op);
  }
  const finalByKey = new Map(finalReads.filter((r) => r.kind === 'get' && r.outcome === 'ok').map((r) => [r.key, r.read ?? null]));
  const report: LostWriteReport = { ok: true, keysChecked: 0, acknowledgedWrites: 0, lost: [], unknownValues: [], unread: [] };

  for (const [key, writes] of writesByKey) {
    const acked = writes.filter(isAcknowledgedWrite);
    report.acknowledgedWrites += acked.length;
    if (!finalByKey.has(key)) {
      if (acked.length > 0) report.unread.push(key);
      continue;
    }
    report.keysChecked++;
    const finalValue = finalByKey.get(key) ?? null;
    const survivor = finalValue === null ? undefined : writes.find((w) => w.value === finalValue);
    if (finalValue !== null && !survivor) {
      report.unknownValues.push({ key, value: finalValue });
      continue;
    }
    const survivorDone = survivor === undefined ? -Infinity : survivor.outcome === 'info' ? Infinity : survivor.completeMs;
    for (const a of acked) {
      if (a === survivor) continue;
      if (survivor === undefined || a.invokeMs > survivorDone) report.lost.push({ key, write: a, finalValue });
    }
  }
  report.ok = report.lost.length === 0 && report.unknownValues.length === 0 && report.unread.length === 0;
  return report;
}

export function describeLostWrites(r: LostWriteReport, max = 20): string {
  const lines: string[] = [];
  for (const l of r.lost.slice(0, max)) {
    lines.push(`  LOST: ${describeOp(l.write)}; final read of ${l.key}: ${l.finalValue ?? 'missing'}`);
  }
  for (const u of r.unknownValues.slice(0, max)) lines.push(`  UNKNOWN VALUE: ${u.key} = ${u.value} (no client wrote it)`);
  if (r.unread.length > 0) lines.push(`  UNREAD: ${r.unread.length} keys had no successful final read: ${r.unread.slice(0, max).join(', ')}`);
  return lines.join('\n');
}

// Automatic compaction of the revision history (`--auto-compact-retention`), run by the leader only:
// it proposes `compact(revision)` like an operator would, so every replica compacts at the same
// point in the log. Two kinds of retention, as etcd's:
//   "<n>"              keep the last n revisions (compacts once n/10 more have accumulated)
//   "<n>s|m|h"         keep what was written in the last n seconds/minutes/hours: the leader samples
//                      (time, revision) every tenth of the period and compacts to the newest sample
//                      older than the period
// A new leader starts sampling afresh (no clock is trusted across nodes), so after a leader change
// time-based compaction resumes one period later.
import { InvalidArgumentError } from '../codec/errors.js';
import type { Command } from '../codec/types.js';

export type Retention = { kind: 'revisions'; count: number } | { kind: 'time'; ms: number };

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** '' or '0' = off (null). */
export function parseRetention(text: string): Retention | null {
  const t = text.trim();
  if (t === '' || t === '0') return null;
  const m = /^(\d+)([smh]?)$/.exec(t);
  const n = m ? Number(m[1]) : NaN;
  if (!m || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`auto-compact retention is a number of revisions ("10000") or a period ("30m", "1h", "90s"), got "${text}"`);
  }
  return m[2] ? { kind: 'time', ms: n * UNITS[m[2]]! } : { kind: 'revisions', count: n };
}

export interface AutoCompactorDeps {
  retention: Retention;
  revision(): number;
  compactRevision(): number;
  /** Proposes a leader-made command; false when Raft refused it (not the leader). */
  propose(cmd: Command): boolean;
  now?: () => number;
}

export class AutoCompactor {
  private leader = false;
  private samples: { at: number; revision: number }[] = [];
  private nextCheck = 0;
  private proposedUpTo = 0;
  private readonly now: () => number;

  constructor(private readonly deps: AutoCompactorDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  onLeaderChange(isLeader: boolean): void {
    this.leader = isLeader;
    this.samples = [];
    this.nextCheck = 0;
    this.proposedUpTo = 0;
  }

  /** Called on every Raft tick; does its work at most every checkEveryMs. */
  tick(): void {
    if (!this.leader) return;
    const now = this.now();
    if (now < this.nextCheck) return;
    const r = this.deps.retention;
    this.nextCheck = now + (r.kind === 'time' ? Math.max(100, Math.min(r.ms / 10, 60_000)) : 1000);
    const target = r.kind === 'time' ? this.timeTarget(now, r.ms) : this.revisionTarget(r.count);
    if (target <= Math.max(this.deps.compactRevision(), this.proposedUpTo)) return;
    if (this.deps.propose({ requestId: null, op: { type: 'compact', revision: target } })) this.proposedUpTo = target;
  }

  private revisionTarget(count: number): number {
    const target = this.deps.revision() - count;
    // Compact in steps of a tenth of the retention, not on every write.
    return target - this.deps.compactRevision() >= Math.max(1, Math.floor(count / 10)) ? target : 0;
  }

  private timeTarget(now: number, ms: number): number {
    this.samples.push({ at: now, revision: this.deps.revision() });
    let chosen = -1;
    for (let i = 0; i < this.samples.length; i++) if (this.samples[i]!.at <= now - ms) chosen = i;
    if (chosen < 0) return 0;
    const target = this.samples[chosen]!.revision;
    this.samples = this.samples.slice(chosen + 1);
    return target;
  }
}

// What a node received and could not use: counted per kind (the typed counters the metrics export)
// and logged at a bounded rate, so a flood of bad input costs a counter increment, not a log line.
import type { Logger } from 'pino';

/** Counts of dropped or refused input, by kind. Monotonic; read them, never write them. */
export interface InputCounters {
  /** Raft batches that did not decode. */
  raftMalformed: number;
  /** Raft messages that decoded but fail the sanity checks (wrong `to`, forged `from`, absurd numbers). */
  raftRejected: number;
  /** Raft messages whose step threw (e.g. an append that leaves a gap); the message is dropped. */
  raftStepFailed: number;
  /** Watch acks that did not decode. */
  watchAckMalformed: number;
  /** API requests refused before reaching the handler (bad subject, size, bytes or fields). */
  apiMalformed: number;
  /** API requests whose handler failed with an unexpected (non-Keel) error: answered Internal. */
  apiFailed: number;
  /** Errors NATS reported on a subscription. */
  subscriptionErrors: number;
  /** Messages that made a subscription callback throw (caught so the subscription keeps running). */
  handlerErrors: number;
}

export type InputDropKind = keyof InputCounters;

/** At most one log line per kind per this many ms; the line says how many were not logged. */
const LOG_EVERY_MS = 10_000;

export class InputDrops {
  readonly counters: InputCounters = {
    raftMalformed: 0, raftRejected: 0, raftStepFailed: 0, watchAckMalformed: 0,
    apiMalformed: 0, apiFailed: 0, subscriptionErrors: 0, handlerErrors: 0,
  };
  private readonly lastLogged = new Map<InputDropKind, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts one dropped input of `kind` and logs it unless a line for this kind was logged recently. */
  drop(kind: InputDropKind, reason: unknown, detail: Record<string, unknown> = {}): void {
    this.counters[kind]++;
    const now = this.now();
    const last = this.lastLogged.get(kind);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.lastLogged.set(kind, { at: now, suppressed: 0 });
    const why = reason instanceof Error ? reason.message : String(reason);
    this.logger.warn({ kind, reason: why, total: this.counters[kind], notLoggedSinceLast: suppressed, ...detail }, 'dropped input');
  }

  /** A callback that counts under `kind`: for the transports, which know nothing of the node. */
  reporter(kind: InputDropKind): (reason: unknown, detail?: Record<string, unknown>) => void {
    return (reason, detail) => this.drop(kind, reason, detail);
  }
}

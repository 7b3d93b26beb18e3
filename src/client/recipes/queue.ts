// The waiter queue under a prefix that locks and elections share (etcd's concurrency recipe): each
// contender writes its own key on its session's lease; the order of the keys' createRevisions is the
// queue order. A contender waits only for the deletion of its immediate predecessor (no thundering
// herd), then looks again: it is first when no key with a smaller createRevision is left.
import { randomBytes } from 'node:crypto';
import { CancelledError, SessionLostError } from '../../codec/errors.js';
import type { KeyValueApi } from '../kv-api.js';
import type { KeyValueView } from '../results.js';
import type { Session } from './session.js';

export interface QueueEntry {
  key: string;
  /** The key's createRevision: its place in the queue, and a token that grows across holders. */
  revision: number;
}

/** Adds the caller's key (with `value`) at the end of the queue. */
export async function enqueue(kv: KeyValueApi, prefix: string, session: Session, value: string): Promise<QueueEntry> {
  const key = `${prefix}${session.leaseId.toString(16)}-${randomBytes(4).toString('hex')}`;
  const r = await kv.put(key, value, { lease: session.leaseId });
  return { key, revision: r.header.revision };
}

/** The first key of the queue (smallest createRevision), or null when it is empty. */
export async function head(kv: KeyValueApi, prefix: string): Promise<KeyValueView | null> {
  const r = await kv.range({ prefix });
  let first: KeyValueView | null = null;
  for (const item of r.kvs) if (!first || item.createRevision < first.createRevision) first = item;
  return first;
}

/**
 * Resolves when `entry` is first in the queue. Rejects with SessionLostError when the session goes
 * (its key goes with it) and CancelledError when `signal` aborts; the caller removes its key.
 */
export async function waitForTurn(kv: KeyValueApi, prefix: string, entry: QueueEntry, session: Session, signal?: AbortSignal): Promise<void> {
  for (;;) {
    checkStill(session, signal);
    const r = await kv.range({ prefix });
    if (!r.kvs.some((k) => k.keyString === entry.key)) throw new SessionLostError(`${entry.key} is gone (its session's lease ended)`);
    let predecessor: KeyValueView | null = null;
    for (const item of r.kvs) {
      if (item.createRevision < entry.revision && (!predecessor || item.createRevision > predecessor.createRevision)) predecessor = item;
    }
    if (!predecessor) return;
    await waitForDelete(kv, predecessor.keyString, r.header.revision + 1, session, signal);
  }
}

/** Resolves on the first delete of `key` at or after `fromRevision` (or when the wait must end). */
async function waitForDelete(kv: KeyValueApi, key: string, fromRevision: number, session: Session, signal?: AbortSignal): Promise<void> {
  const watch = kv.watch({ key }, { startRevision: fromRevision });
  const stop = new Promise<void>((resolve) => {
    void session.lost.then(() => resolve());
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  const deleted = (async () => {
    for await (const ev of watch) if (ev.type === 'delete') return;
  })();
  try {
    await Promise.race([deleted, stop]);
  } finally {
    await watch.cancel();
  }
  checkStill(session, signal);
}

function checkStill(session: Session, signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError('aborted while waiting');
  if (!session.alive) throw new SessionLostError('the session was lost while waiting');
}

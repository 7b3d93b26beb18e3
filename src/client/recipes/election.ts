// Leader election (etcd's concurrency.Election, Curator's LeaderLatch): candidates queue under
// /keel/elections/<name>/ with their value; the first in createRevision order leads. campaign()
// resolves when elected; the leader can proclaim a new value or resign; anyone can ask who leads or
// observe every change of leader in order.
import { InvalidArgumentError, NotLeaderError } from '../../codec/errors.js';
import type { KeyValueApi } from '../kv-api.js';
import { cmp, op } from '../txn.js';
import { enqueue, head, waitForTurn } from './queue.js';
import { Session, type SessionOptions } from './session.js';

export const ELECTIONS_PREFIX = '/keel/elections/';

export interface LeaderInfo {
  key: string;
  value: string;
  /** The leader key's createRevision: grows with every new leader (a fencing token). */
  revision: number;
}

export interface CampaignOptions extends SessionOptions {
  session?: Session;
  signal?: AbortSignal;
}

export interface Leadership {
  readonly key: string;
  readonly revision: number;
  readonly session: Session;
  /** Settles when the session is lost: leadership is over (another candidate may lead already). */
  readonly lost: Promise<Error>;
  /** Replaces the value observers see; NotLeaderError if this candidate no longer leads. */
  proclaim(value: string): Promise<void>;
  /** Steps down (and closes the session if the campaign opened it). */
  resign(): Promise<void>;
}

export class Election {
  private readonly prefix: string;

  constructor(private readonly kv: KeyValueApi, readonly name: string) {
    if (typeof name !== 'string' || name.length === 0 || name.includes('/')) {
      throw new InvalidArgumentError(`an election name is a non-empty string without '/', got ${JSON.stringify(name)}`);
    }
    this.prefix = `${ELECTIONS_PREFIX}${name}/`;
  }

  /** Resolves when this candidate leads. */
  async campaign(value: string, o: CampaignOptions = {}): Promise<Leadership> {
    const owned = o.session === undefined;
    const session = o.session ?? (await Session.create(this.kv, o));
    let entry: { key: string; revision: number } | null = null;
    try {
      entry = await enqueue(this.kv, this.prefix, session, value);
      await waitForTurn(this.kv, this.prefix, entry, session, o.signal);
    } catch (err) {
      if (entry) await this.kv.delete(entry.key).catch(() => undefined);
      if (owned) await session.close();
      throw err;
    }
    const { key, revision } = entry;
    const kv = this.kv;
    let resigned = false;
    return {
      key, revision, session, lost: session.lost,
      async proclaim(next: string) {
        const r = await kv.txn({
          compare: [cmp.createRevision(key, '=', revision)],
          success: [op.put(key, next, { lease: session.leaseId })],
        });
        if (!r.succeeded) throw new NotLeaderError(`no longer the leader of election ${key}`);
      },
      async resign() {
        if (resigned) return;
        resigned = true;
        if (owned) await session.close();
        else await kv.delete(key);
      },
    };
  }

  /** The current leader, or null when nobody campaigns. */
  async leader(): Promise<LeaderInfo | null> {
    const first = await head(this.kv, this.prefix);
    return first ? { key: first.keyString, value: first.valueString, revision: first.createRevision } : null;
  }

  /**
   * Every change of leader (or of its value), in order, starting with the current one: an async
   * iterator; `break` or `cancel()` ends it. A period with no leader yields nothing until one leads.
   */
  observe(): AsyncIterableIterator<LeaderInfo> & { cancel(): Promise<void> } {
    const kv = this.kv;
    const prefix = this.prefix;
    let cancelled = false;
    let watch: ReturnType<KeyValueApi['watch']> | null = null;
    async function* changes(): AsyncGenerator<LeaderInfo> {
      const r = await kv.range({ prefix });
      let last: LeaderInfo | null = null;
      const pick = (kvs: typeof r.kvs): LeaderInfo | null => {
        let first: (typeof r.kvs)[number] | null = null;
        for (const item of kvs) if (!first || item.createRevision < first.createRevision) first = item;
        return first ? { key: first.keyString, value: first.valueString, revision: first.createRevision } : null;
      };
      // The queue as of each revision, kept from the watch's events (no re-read, no gap).
      const queue = new Map(r.kvs.map((k) => [k.keyString, k]));
      const current = pick([...queue.values()]);
      if (current) {
        last = current;
        yield current;
      }
      watch = kv.watch({ prefix }, { startRevision: r.header.revision + 1 });
      try {
        for await (const ev of watch) {
          if (ev.type === 'delete') queue.delete(ev.kv.keyString);
          else queue.set(ev.kv.keyString, ev.kv);
          const now = pick([...queue.values()]);
          if (now && (!last || now.key !== last.key || now.value !== last.value)) {
            last = now;
            yield now;
          }
          if (cancelled) return;
        }
      } finally {
        await watch.cancel();
      }
    }
    const it = changes();
    return Object.assign(it, {
      async cancel() {
        cancelled = true;
        await watch?.cancel();
        await it.return(undefined);
      },
    });
  }
}

// The ready loop (etcd's pattern), the one the node runs and the simulation checks: take a Ready,
// persist what it says, send its messages, apply its committed entries, advance. Storage, transport
// and state machine are injected, so test/raft/sim drives this very code over a simulated disk.
//
// One Ready is handled at a time; everything that happens meanwhile (proposals, messages, ticks)
// collects in the Raft core and forms the next, larger Ready — that is the batching of fsyncs and
// messages. Messages keep stepping into Raft while a Ready's fsync is pending.
//
// The rules, each with a planted-bug test in test/raft/sim.test.ts:
// - Persist order: snapshot, then entries, then hard state — a durable commit index never covers
//   entries that are not durable.
// - A follower or candidate persists before it sends: its replies promise durability or a vote.
//   A leader whose term and vote are unchanged sends its appends first (Raft thesis §10.2.1): the
//   commit index those appends lead to only leaves in a later Ready, after this one's fsync.
//   What must wait may be encoded while the fsync runs (ReadyTransport.prepare), not sent.
// - Committed entries below this Ready's new entries were made durable by an earlier Ready (one
//   Ready at a time), so they apply before this Ready's fsync; the rest apply after it. A write is
//   acknowledged as soon as it commits, not one fsync of the next batch later.
// - A snapshot from the leader is installed before any committed entry of its Ready is applied.
//   (Raft resets its log to the snapshot, so such entries are new in that Ready and the previous
//   rule already holds them back; the check below keeps the order explicit.)
import { trace, tracing } from '../trace.js';
import type { Entry, HardState, Message, ReadState, Ready, Role, SoftState } from '../raft/types.js';

/** The part of RaftNode the loop drives. */
export interface ReadySource {
  hasReady(): boolean;
  ready(): Ready;
  advance(rd: Ready): void;
}

/** Stable storage. Each call resolves once what it wrote is durable (fsynced). */
export interface ReadyStorage<Installed> {
  /** The hard state last made durable. */
  persistedHardState(): HardState;
  /** Persists a snapshot received from the leader (it replaces the whole log); returns what the state machine restores. */
  installSnapshot(snapshot: NonNullable<Ready['snapshot']>): Promise<Installed>;
  /** Appends entries; when entries[0] is at or below the last stored index, the stored suffix from there is replaced. */
  append(entries: Entry[]): Promise<void>;
  saveHardState(hs: HardState): Promise<void>;
}

export interface ReadyTransport {
  send(messages: Message[]): void;
  /**
   * Optional: called with a Ready's messages before its fsync when they may only leave after it
   * (a follower's acks). The transport may encode them meanwhile, so that send() only has to
   * publish; it must not let any of them out before send().
   */
  prepare?(messages: Message[]): void;
}

export interface ReadyStateMachine<Installed> {
  /** Role or leader changed (called first, before anything of the Ready is persisted). */
  onSoftState(soft: SoftState): void;
  /** The projection jumps to a snapshot installed from the leader. */
  restore(installed: Installed): void;
  apply(entries: Entry[]): void;
  onReadStates(states: ReadState[]): void;
  /** After advance: e.g. decide whether to take a snapshot. */
  afterReady(): void;
}

export interface ReadyLoopParts<Installed> {
  raft: ReadySource;
  storage: ReadyStorage<Installed>;
  transport: ReadyTransport;
  stateMachine: ReadyStateMachine<Installed>;
  /** Called before each Ready is taken (the node hands its batched proposals to Raft here). */
  beforeReady?: () => void;
}

export class ReadyLoop<Installed> {
  private role: Role = 'follower';
  protected readonly raft: ReadySource;
  protected readonly storage: ReadyStorage<Installed>;
  protected readonly transport: ReadyTransport;
  protected readonly stateMachine: ReadyStateMachine<Installed>;
  private readonly beforeReady: () => void;

  constructor(parts: ReadyLoopParts<Installed>) {
    this.raft = parts.raft;
    this.storage = parts.storage;
    this.transport = parts.transport;
    this.stateMachine = parts.stateMachine;
    this.beforeReady = parts.beforeReady ?? (() => {});
  }

  /**
   * Handles Readies one after the other until Raft has none; resolves when idle. The caller runs
   * one run() at a time. A storage failure rejects (the disk state is unknown: stop serving).
   */
  async run(): Promise<void> {
    for (;;) {
      this.beforeReady();
      if (!this.raft.hasReady()) return;
      await this.handle(this.raft.ready());
    }
  }

  protected async handle(rd: Ready): Promise<void> {
    if (rd.softState) {
      this.role = rd.softState.role;
      this.stateMachine.onSoftState(rd.softState);
    }
    const lastNew = rd.entries.length ? rd.entries[rd.entries.length - 1]!.index : 0;
    const lastCommitted = rd.committedEntries.length ? rd.committedEntries[rd.committedEntries.length - 1]!.index : 0;
    if (tracing) trace('rd', lastNew, `c=${lastCommitted}`);
    const sendFirst = this.sendsBeforePersisting(rd);
    if (sendFirst) { this.transport.send(rd.messages); trace('sent', lastNew); }
    else if (rd.messages.length > 0) this.transport.prepare?.(rd.messages);

    const { beforeFsync, afterFsync } = this.splitCommitted(rd);
    this.stateMachine.apply(beforeFsync);
    await this.persist(rd);
    trace('persisted', lastNew);
    if (!sendFirst) { this.transport.send(rd.messages); trace('sent', lastNew); }
    this.stateMachine.apply(afterFsync);
    trace('applied', lastCommitted);
    if (rd.readStates.length > 0) this.stateMachine.onReadStates(rd.readStates);
    this.raft.advance(rd);
    this.stateMachine.afterReady();
  }

  /** Only a leader whose term and vote are already durable sends before persisting. */
  protected sendsBeforePersisting(rd: Ready): boolean {
    const hs = rd.hardState;
    const persisted = this.storage.persistedHardState();
    const voteChanged = hs !== null && (hs.term !== persisted.term || hs.vote !== persisted.vote);
    return this.role === 'leader' && !voteChanged;
  }

  /** Committed entries made durable by earlier Readies, and those among this Ready's own new entries. */
  protected splitCommitted(rd: Ready): { beforeFsync: Entry[]; afterFsync: Entry[] } {
    if (rd.snapshot) return { beforeFsync: [], afterFsync: rd.committedEntries };
    const firstNew = rd.entries.length > 0 ? rd.entries[0]!.index : Infinity;
    const split = rd.committedEntries.findIndex((e) => e.index >= firstNew);
    if (split < 0) return { beforeFsync: rd.committedEntries, afterFsync: [] };
    return { beforeFsync: rd.committedEntries.slice(0, split), afterFsync: rd.committedEntries.slice(split) };
  }

  /** Snapshot, then entries, then hard state. */
  protected async persist(rd: Ready): Promise<void> {
    if (rd.snapshot) this.stateMachine.restore(await this.storage.installSnapshot(rd.snapshot));
    if (rd.entries.length > 0) await this.storage.append(rd.entries);
    if (rd.hardState) await this.storage.saveHardState(rd.hardState);
  }
}

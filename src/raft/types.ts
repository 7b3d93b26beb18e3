// Public types of the Raft core. This folder imports nothing from the rest of the project.

export type NodeId = string;
/** A leader's empty entry on election is 'normal' with empty data. */
export type EntryType = 'normal' | 'config';
export interface Entry { index: number; term: number; type: EntryType; data: Uint8Array }
export interface HardState { term: number; vote: NodeId /* '' = none */; commit: number }
export interface ConfState { voters: NodeId[]; learners: NodeId[] }
export interface SnapshotMeta { index: number; term: number; conf: ConfState }
export interface ReadState { index: number; context: string }
export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader';

export type MessageType =
  | 'app' | 'appResp'
  | 'heartbeat' | 'heartbeatResp'
  | 'vote' | 'voteResp' | 'preVote' | 'preVoteResp'
  | 'snap' | 'snapResp'
  | 'readIndex' | 'readIndexResp'
  | 'timeoutNow' | 'transferLeader';

/**
 * One flat record so it maps onto a single Avro schema: every field is always present
 * (0 / '' / false / empty when unused).
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** app: term of the entry at `index` (the one before `entries`); vote: term of the candidate's last entry. */
  logTerm: number;
  /** app: index before `entries`; appResp: last matched index (or the rejected index); vote: candidate's last index. */
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  /** appResp reject: the follower's suggested probe index; snapResp reject: bytes it holds. */
  rejectHint: number;
  /** appResp reject: term of the follower's entry at rejectHint (0 if unknown). */
  rejectTerm: number;
  /** ReadIndex request context; 'transfer' on vote requests caused by leadership transfer. */
  context: string;
  snapIndex: number;
  snapTerm: number;
  snapVoters: string[];
  snapLearners: string[];
  chunkOffset: number;
  chunkData: Uint8Array;
  chunkDone: boolean;
}

export interface SoftState { leader: NodeId | ''; role: Role }

/**
 * What the node must do, in this order: persist `snapshot`, then `entries`, then `hardState`
 * (entries before the hard state, so a durable commit index never covers entries that are not
 * durable); then send `messages`; then apply `committedEntries`; then call advance(rd). Call
 * advance before the next ready().
 */
export interface Ready {
  /** Non-null when changed. */
  softState: SoftState | null;
  /** Non-null when changed: persist (fsync) BEFORE sending `messages`. */
  hardState: HardState | null;
  /** Append to stable storage BEFORE sending `messages`; if entries[0].index <= the last stored
   *  index, the stored suffix from there is replaced. */
  entries: Entry[];
  /** A complete snapshot received from the leader: persist it (it replaces the whole stored log)
   *  and restore the state machine from it before applying more. */
  snapshot: { meta: SnapshotMeta; data: Uint8Array } | null;
  /** Apply in order (after persisting `entries` of this same Ready). */
  committedEntries: Entry[];
  messages: Message[];
  /** ReadIndex answers: serve the read once applied >= index. */
  readStates: ReadState[];
}

export interface RaftConfig {
  id: NodeId;
  voters: NodeId[];
  learners?: NodeId[];
  /** Ticks without hearing a leader before campaigning (randomized in [electionTick, 2*electionTick)). */
  electionTick?: number;
  heartbeatTick?: number;
  /** Injected seeded generator in [0,1). */
  random: () => number;
  /** Cap on entry bytes (and snapshot chunk bytes) per message. Default 900 KiB. */
  maxMsgBytes?: number;
  /** Cap on in-flight append messages per follower. Default 256. */
  maxInflight?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Snapshot chunk size. Default maxMsgBytes. */
  snapshotChunkBytes?: number;
  /**
   * Checks a fully received snapshot before it replaces the log; a reason string refuses it (the
   * transfer starts over). Lets the application drop bytes it could not restore from.
   */
  checkSnapshot?: (meta: SnapshotMeta, data: Uint8Array) => string | null;
}

export interface Restored {
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  /** Entries after the snapshot, in order. */
  entries: Entry[];
}

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export interface Status {
  id: NodeId;
  role: Role;
  leader: NodeId | '';
  term: number;
  commit: number;
  applied: number;
  lastIndex: number;
  firstIndex: number;
  conf: ConfState;
  progress: Record<NodeId, { match: number; next: number; state: ProgressState }>;
}

/** bootstrap: the initial voters, written as entry 1 by every founding member (never proposed). */
export type ConfChangeType = 'addLearner' | 'promote' | 'remove' | 'bootstrap';
export interface ConfChange { type: ConfChangeType; node: NodeId }

/** An empty message with every field present; callers set what they use. */
export function blankMessage(type: MessageType, from: NodeId, to: NodeId, term: number): Message {
  return {
    type, from, to, term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false,
    rejectHint: 0, rejectTerm: 0, context: '', snapIndex: 0, snapTerm: 0, snapVoters: [],
    snapLearners: [], chunkOffset: 0, chunkData: EMPTY, chunkDone: false,
  };
}
export const EMPTY: Uint8Array = new Uint8Array(0);

// Typed errors thrown by the Raft core's entry points.

export class RaftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** A proposal was not accepted: this node is not the leader, or a leadership transfer is in progress. */
export class ProposalDroppedError extends RaftError {
  readonly leader: string;
  constructor(reason: string, leader: string) {
    super(`proposal dropped: ${reason}`);
    this.leader = leader;
  }
}
/** Why a configuration change was refused: another is not applied yet, a learner lags, or it makes no sense. */
export type ConfChangeRejection = 'pending' | 'notCaughtUp' | 'invalid';
/** A configuration change was refused (another is pending, unknown node, learner not caught up...). */
export class ConfChangeRejectedError extends RaftError {
  constructor(message: string, readonly reason: ConfChangeRejection = 'invalid') {
    super(message);
  }
}
/** The log cannot serve a request (index compacted or beyond the last entry). */
export class LogUnavailableError extends RaftError {}
/** Ready/advance misuse or inconsistent restored state. */
export class RaftStateError extends RaftError {}

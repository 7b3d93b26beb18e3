// Membership changes through the API (keel member add/promote/remove), served by the leader. One
// server at a time: the leader proposes a config entry (src/raft/membership.ts) and the request is
// answered once that entry has applied here, with the resulting member list. Refusals are clear
// errors: another change not yet applied, a learner that has not caught up, an unknown node.
//
// `memberAdd` with learner=false adds the node as a learner and promotes it as soon as it has caught
// up with the leader's commit index (the usual etcd-style flow, in one request).
import { InvalidArgumentError, NotLeaderError, TimeoutError } from '../codec/errors.js';
import type { Member, MemberListResult } from '../codec/types.js';
import { ConfChangeRejectedError } from '../raft/errors.js';
import type { ConfChange, ConfState } from '../raft/types.js';
import type { MembershipNode } from './node-api.js';

export interface MembershipOptions {
  /** How long a change may take to apply (and a new voter to catch up) before the request fails. */
  timeoutMs?: number;
  /** Pause between promotion attempts while a new voter catches up. */
  retryMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class MembershipService {
  private readonly timeoutMs: number;
  private readonly retryMs: number;

  constructor(private readonly node: MembershipNode, o: MembershipOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.retryMs = o.retryMs ?? 100;
  }

  list(): MemberListResult {
    return { type: 'memberList', members: membersOf(this.node.conf()), leader: this.node.leader };
  }

  async add(id: string, learner: boolean): Promise<MemberListResult> {
    const conf = this.conf();
    // Retries of a change that already happened succeed (the client may retry after a lost reply).
    if (conf.voters.includes(id)) return this.list();
    if (!conf.learners.includes(id)) await this.change({ type: 'addLearner', node: id });
    if (!learner) await this.promoteWhenCaughtUp(id, Date.now() + this.timeoutMs);
    return this.list();
  }

  async promote(id: string): Promise<MemberListResult> {
    const conf = this.conf();
    if (conf.voters.includes(id)) return this.list();
    if (!conf.learners.includes(id)) throw new InvalidArgumentError(`${id} is not a learner of this cluster (members: ${describe(conf)})`);
    await this.change({ type: 'promote', node: id });
    return this.list();
  }

  async remove(id: string): Promise<MemberListResult> {
    const conf = this.conf();
    if (!conf.voters.includes(id) && !conf.learners.includes(id)) {
      throw new InvalidArgumentError(`${id} is not a member of this cluster (members: ${describe(conf)})`);
    }
    await this.change({ type: 'remove', node: id });
    return this.list();
  }

  /** Leadership transfer (rolling restarts): answered once another voter leads. */
  async transferLeader(id: string): Promise<MemberListResult> {
    const conf = this.conf();
    if (id !== '' && !conf.voters.includes(id)) throw new InvalidArgumentError(`${id} is not a voter of this cluster (members: ${describe(conf)})`);
    if (id === this.node.leader) return this.list();
    if (conf.voters.length < 2) throw new InvalidArgumentError('no other voter to hand leadership to');
    await this.node.transferLeadership(id, this.timeoutMs);
    return this.list();
  }

  private conf(): ConfState {
    if (!this.node.isLeader) throw new NotLeaderError(`not the leader; leader is ${this.node.leader || 'unknown'}`);
    return this.node.conf();
  }

  /** Proposes `cc` and waits until its config entry has applied on this node; a refusal becomes InvalidArgumentError. */
  private async change(cc: ConfChange): Promise<void> {
    try {
      await this.proposeAndWait(cc);
    } catch (err) {
      if (err instanceof ConfChangeRejectedError) throw new InvalidArgumentError(`membership change refused: ${err.message}`);
      throw err;
    }
  }

  private async proposeAndWait(cc: ConfChange): Promise<void> {
    const { index, term } = this.node.proposeConfChange(cc);
    await this.node.waitApplied(index, this.timeoutMs, `the ${cc.type} of ${cc.node}`);
    // A leader change may have replaced the entry before it committed.
    const applied = this.node.logTerm(index);
    if (applied !== undefined && applied !== term) {
      throw new NotLeaderError(`the ${cc.type} of ${cc.node} was lost in a leader change; retry`);
    }
  }

  private async promoteWhenCaughtUp(id: string, deadline: number): Promise<void> {
    for (;;) {
      try {
        await this.proposeAndWait({ type: 'promote', node: id });
        return;
      } catch (err) {
        if (!(err instanceof ConfChangeRejectedError)) throw err;
        if (err.reason !== 'notCaughtUp') throw new InvalidArgumentError(`membership change refused: ${err.message}`);
        if (Date.now() > deadline) throw new TimeoutError(`learner ${id} did not catch up within ${this.timeoutMs} ms; it stays a learner (membership change refused: ${err.message})`);
      }
      await sleep(this.retryMs);
    }
  }
}

export function membersOf(conf: ConfState): Member[] {
  return [
    ...conf.voters.map((id): Member => ({ id, role: 'voter' })),
    ...conf.learners.map((id): Member => ({ id, role: 'learner' })),
  ];
}

function describe(conf: ConfState): string {
  return [...conf.voters, ...conf.learners.map((l) => `${l} (learner)`)].join(', ') || 'none';
}

// Serves the client API on one node: writes are proposed through Raft and answered once applied;
// linearizable reads wait for a ReadIndex round; serializable reads and status are local.
import { randomInt } from 'node:crypto';
import { errorFromBody, NoLeaderError, InvalidArgumentError, NotLeaderError, UnimplementedError } from '../codec/errors.js';
import type {
  ApiRequest, ApiResponse, CommandOp, MemberListResult, RangeOp, ResponseBody, StatusResult,
} from '../codec/types.js';
import type { ApiHandler, ApiRequestContext } from '../transport/api-server.js';
import { MembershipService, membersOf } from './membership.js';
import type { ApiNode } from './node-api.js';
import { fitWriteResult, rangePageBudget, replyBytesFor } from './reply-budget.js';
import { SnapshotSaveService } from './snapshot-save.js';

export class NodeApiHandler implements ApiHandler {
  /** How long a write may wait to be applied before the request fails (the client retries). */
  private readonly writeTimeoutMs: number;
  /** The node's advertised HTTP URL (metrics, health, status page); '' when it serves none. */
  private readonly metricsUrl: string;

  constructor(
    private readonly node: ApiNode,
    opts: { writeTimeoutMs?: number; metricsUrl?: string } = {},
  ) {
    this.writeTimeoutMs = opts.writeTimeoutMs ?? 5000;
    this.metricsUrl = opts.metricsUrl ?? '';
  }

  private membershipService: MembershipService | undefined;
  private backupService: SnapshotSaveService | undefined;

  private get membership(): MembershipService {
    return (this.membershipService ??= new MembershipService(this.node));
  }

  private get backups(): SnapshotSaveService {
    return (this.backupService ??= new SnapshotSaveService(this.node));
  }

  header(): { nodeId: string; term: number } {
    return { nodeId: this.node.id, term: this.node.term };
  }

  async handle(req: ApiRequest, _ctx: ApiRequestContext): Promise<ApiResponse> {
    const body = req.body;
    switch (body.type) {
      case 'put':
      case 'deleteRange':
      case 'txn':
      case 'compact':
      case 'leaseRevoke':
        return this.write(req, body);
      case 'leaseGrant':
        // A lease shorter than two election timeouts could expire during an ordinary leader change.
        if (body.ttlMs < this.node.minLeaseTtlMs) {
          throw new InvalidArgumentError(`lease TTL ${body.ttlMs} ms is below this cluster's minimum of ${this.node.minLeaseTtlMs} ms (keel serve --min-lease-ttl-ms; at least two election timeouts)`);
        }
        return this.write(req, { type: 'leaseGrant', ttlMs: body.ttlMs, id: body.id || newLeaseId() });
      case 'range':
        return this.range(body);
      case 'leaseKeepAlive':
        return this.respond({ type: 'leaseKeepAlive', id: body.id, ttlMs: this.node.leases.keepAlive(body.id) });
      case 'leaseTimeToLive':
        return this.respond(this.node.leases.timeToLive(body.id, body.keys));
      case 'leaseList':
        this.requireLeader();
        return this.respond({ type: 'leaseList', ids: this.node.leaseIds() });
      case 'status':
        return this.respond(this.status());
      case 'memberList':
        return this.respond(this.members());
      case 'watchCreate':
        // Linearizable start: the node first applies everything committed before the request, so a
        // compaction or write the caller saw acknowledged is reflected ("from now" included).
        this.node.watches.checkAccepting();
        await this.node.reads.waitLinearizable();
        this.node.watches.create(body);
        return this.respond({ type: 'watchCreate', watchId: body.watchId });
      case 'watchCancel':
        return this.respond({ type: 'watchCancel', watchId: body.watchId, found: this.node.watches.cancel(body.watchId) });
      case 'memberAdd':
        return this.respond(await this.membership.add(body.id, body.learner));
      case 'memberPromote':
        return this.respond(await this.membership.promote(body.id));
      case 'memberRemove':
        return this.respond(await this.membership.remove(body.id));
      case 'alarmDisarm':
        this.node.disarmAlarms();
        return this.respond(this.status());
      case 'memberTransferLeader':
        return this.respond(await this.membership.transferLeader(body.id));
      case 'snapshotSave':
        return this.respond(await this.backups.handle(body.snapshotId, body.offset));
      default:
        throw new UnimplementedError((body as { type: string }).type);
    }
  }

  private async write(req: ApiRequest, op: CommandOp): Promise<ApiResponse> {
    const requestId = req.requestId;
    if (!requestId) throw new InvalidArgumentError(`${op.type} needs a requestId (clientId, seq)`);
    const outcome = await this.node.write({ requestId, op }, this.writeTimeoutMs);
    if (outcome.error) throw errorFromBody(outcome.error);
    // Committed: answer success whatever the size (oversized parts are left out and marked).
    const result = outcome.result && fitWriteResult(outcome.result, replyBytesFor(this.node.maxPayload));
    return this.respond(result, outcome.revision);
  }

  /** One page of the range, now or at body.revision (see reply-budget.ts and src/store/range.ts). */
  private async range(body: RangeOp & { serializable: boolean; revision?: number }): Promise<ApiResponse> {
    // Reads at a revision wait for ReadIndex too: a compaction the caller saw acknowledged must be seen.
    if (!body.serializable) await this.node.reads.waitLinearizable();
    else if (!this.node.hasLiveLeader()) {
      // A node cut off from its leader would serve an ever staler view: send the client elsewhere.
      throw new NoLeaderError(`node ${this.node.id} has heard from no leader for an election timeout; ask another node`);
    }
    const maxBytes = rangePageBudget(this.node.maxPayload, this.node.rangePageBytes);
    const revision = this.node.revision;
    return this.respond(this.node.range(body, { revision: body.revision ?? 0, maxBytes }), revision);
  }

  private requireLeader(): void {
    if (!this.node.isLeader) throw new NotLeaderError();
  }

  private respond(body: ResponseBody | null, revision = this.node.revision): ApiResponse {
    return { header: { revision, nodeId: this.node.id, term: this.node.term }, error: null, body };
  }

  private members(): MemberListResult {
    return { type: 'memberList', members: membersOf(this.node.conf()), leader: this.node.leader };
  }

  private status(): StatusResult {
    const st = this.node.status();
    const isLearner = st.conf.learners.includes(st.id);
    return {
      type: 'status',
      nodeId: st.id,
      pid: process.pid,
      role: isLearner ? 'learner' : st.role,
      leader: st.leader,
      term: st.term,
      commitIndex: st.commitIndex,
      appliedIndex: st.appliedIndex,
      firstIndex: st.firstIndex,
      lastIndex: st.lastIndex,
      logBytes: st.logBytes,
      revision: st.revision,
      compactRevision: st.compactRevision,
      members: membersOf(st.conf),
      metricsUrl: this.metricsUrl,
      alarms: this.node.alarms(),
    };
  }
}

/** A lease id the leader picks: random, positive, below 2^48 so it stays an exact JS number. */
function newLeaseId(): number {
  return randomInt(1, 2 ** 47) * 2 + randomInt(0, 2);
}

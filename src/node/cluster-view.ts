// What the status page shows of the other members: this node asks each member of its configuration
// for its status over NATS (the member's own `keel.<c>.node.<id>.status` subject), so the page learns
// every member's advertised HTTP URL and Raft position even when it cannot reach a member itself.
// One round at a time, its result reused for CACHE_MS: a page open in many browsers costs the
// cluster one round per CACHE_MS.
import type { NatsConnection } from 'nats';
import { decodeResponse, encodeRequest } from '../codec/index.js';
import type { StatusResult } from '../codec/types.js';
import { subjectFor } from '../transport/subjects.js';
import type { KeelNode } from './node.js';

const CACHE_MS = 500;

export interface MemberView {
  id: string;
  /** 'voter' or 'learner' in this node's configuration. */
  member: 'voter' | 'learner';
  reachable: boolean;
  error: string | null;
  /** The member's own answer (null when unreachable). */
  status: Omit<StatusResult, 'type' | 'members'> | null;
}

export interface ClusterView {
  cluster: string;
  /** The node that answered. */
  nodeId: string;
  /** The leader as this node knows it ('' when none). */
  leader: string;
  term: number;
  members: MemberView[];
  at: number;
}

export class ClusterViewer {
  private last: ClusterView | null = null;
  private running: Promise<ClusterView> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly node: KeelNode,
    private readonly timeoutMs = 1000,
  ) {}

  view(): Promise<ClusterView> {
    if (this.last && Date.now() - this.last.at < CACHE_MS) return Promise.resolve(this.last);
    this.running ??= this.collect().finally(() => { this.running = null; });
    return this.running;
  }

  private async collect(): Promise<ClusterView> {
    const st = this.node.status();
    const ids: [string, MemberView['member']][] = [
      ...st.conf.voters.map((id): [string, 'voter'] => [id, 'voter']),
      ...st.conf.learners.map((id): [string, 'learner'] => [id, 'learner']),
    ];
    const members = await Promise.all(ids.map(([id, member]) => this.ask(id, member)));
    const view: ClusterView = {
      cluster: this.node.cluster, nodeId: st.id, leader: st.leader, term: st.term, members, at: Date.now(),
    };
    this.last = view;
    return view;
  }

  private async ask(id: string, member: MemberView['member']): Promise<MemberView> {
    try {
      const request = encodeRequest({ requestId: null, body: { type: 'status' } });
      const reply = await this.nc.request(subjectFor(this.node.cluster, 'status', id), request, { timeout: this.timeoutMs });
      const response = decodeResponse(reply.data);
      if (response.error) return { id, member, reachable: false, error: `${response.error.code}: ${response.error.message}`, status: null };
      const body = response.body as StatusResult;
      const { type: _t, members: _m, ...status } = body;
      return { id, member, reachable: true, error: null, status };
    } catch (err) {
      return { id, member, reachable: false, error: describe(err as Error & { code?: string }), status: null };
    }
  }
}

/** NATS reports "no responders" as code 503 and a silent member as a timeout: say what they mean. */
function describe(err: Error & { code?: string }): string {
  if (err.code === '503') return 'not running (no responders)';
  if (err.code === 'TIMEOUT') return 'no answer in time';
  return err.message;
}

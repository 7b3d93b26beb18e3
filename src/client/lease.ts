// Lease calls (thin: one request each) and the keep-alive loop built on keepAliveOnce.
import type { RequestId } from '../codec/types.js';
import { LeaseKeepAlive, type KeepAliveOptions } from './lease-keepalive.js';
import type { Requester } from './requester.js';
import type {
  LeaseGrantResponse, LeaseKeepAliveResponse, LeaseListResponse, LeaseRevokeResponse, LeaseTimeToLiveResponse,
} from './results.js';

/** What the client gives the lease calls: its requester, and its numbered, bounded writes. */
export interface LeaseSender {
  requester: Requester;
  /** Runs a replicated write with the client's next requestId, within its write window. */
  write<T>(task: (requestId: RequestId) => Promise<T>): Promise<T>;
}

export class LeaseApi {
  private readonly s: LeaseSender;

  constructor(sender: LeaseSender) {
    this.s = sender;
  }

  /** Grants a lease of `ttlMs`; the leader picks the id unless `id` is given. */
  grant(ttlMs: number, o: { id?: number } = {}): Promise<LeaseGrantResponse> {
    return this.s.write(async (requestId) => {
      const { header, body } = await this.s.requester.send({ type: 'leaseGrant', id: o.id ?? 0, ttlMs }, 'leaseGrant', { requestId });
      return { header, id: body.id, ttlMs: body.ttlMs };
    });
  }

  /** Revokes a lease: its keys are deleted. */
  revoke(id: number): Promise<LeaseRevokeResponse> {
    return this.s.write(async (requestId) => {
      const { header } = await this.s.requester.send({ type: 'leaseRevoke', id }, 'leaseRevoke', { requestId });
      return { header, id };
    });
  }

  // Keep-alive, time-to-live and list go to the leader but are not replicated commands: they carry
  // no requestId and do not queue behind writes (a keep-alive must not wait for a backlog).

  /** Renews a lease once: its deadline becomes now + its TTL. */
  async keepAliveOnce(id: number): Promise<LeaseKeepAliveResponse> {
    const { header, body } = await this.s.requester.send({ type: 'leaseKeepAlive', id }, 'leaseKeepAlive');
    return { header, id: body.id, ttlMs: body.ttlMs };
  }

  /**
   * Keeps a lease alive until `stop()`: renews it every third of its TTL (sooner after a failed
   * renewal). `lost` rejects with LeaseNotFoundError if the lease expired or was revoked anyway.
   */
  keepAlive(id: number, o: KeepAliveOptions = {}): LeaseKeepAlive {
    return new LeaseKeepAlive(id, (ttlHint) => this.keepAliveWithin(id, ttlHint), o);
  }

  /** One renewal that gives up after `deadlineMs` (a late renewal is worth less than the next one). */
  private async keepAliveWithin(id: number, deadlineMs: number): Promise<LeaseKeepAliveResponse> {
    const { header, body } = await this.s.requester.send({ type: 'leaseKeepAlive', id }, 'leaseKeepAlive', { deadlineMs });
    return { header, id: body.id, ttlMs: body.ttlMs };
  }

  async timeToLive(id: number, o: { keys?: boolean } = {}): Promise<LeaseTimeToLiveResponse> {
    const { header, body } = await this.s.requester.send({ type: 'leaseTimeToLive', id, keys: o.keys ?? false }, 'leaseTimeToLive');
    return { header, id: body.id, remainingMs: body.remainingMs, grantedTtlMs: body.grantedTtlMs, keys: body.keys };
  }

  async list(): Promise<LeaseListResponse> {
    const { header, body } = await this.s.requester.send({ type: 'leaseList' }, 'leaseList');
    return { header, ids: body.ids };
  }
}

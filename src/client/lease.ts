// Lease calls (thin: one request each; a keep-alive loop builds on keepAliveOnce).
import type { RequestId } from '../codec/types.js';
import type { Requester } from './requester.js';
import type {
  LeaseGrantResponse, LeaseKeepAliveResponse, LeaseListResponse, LeaseRevokeResponse, LeaseTimeToLiveResponse,
} from './results.js';

/** What the client gives a lease call: a way to send a leader request, with a requestId for writes. */
export interface LeaseSender {
  requester: Requester;
  /** Runs a leader-bound request within the client's write bound. */
  write<T>(task: () => Promise<T>): Promise<T>;
  nextRequestId(): RequestId;
}

export class LeaseApi {
  private readonly s: LeaseSender;

  constructor(sender: LeaseSender) {
    this.s = sender;
  }

  /** Grants a lease of `ttlMs`; the leader picks the id unless `id` is given. */
  grant(ttlMs: number, o: { id?: number } = {}): Promise<LeaseGrantResponse> {
    const requestId = this.s.nextRequestId();
    return this.s.write(async () => {
      const { header, body } = await this.s.requester.send({ type: 'leaseGrant', id: o.id ?? 0, ttlMs }, 'leaseGrant', { requestId });
      return { header, id: body.id, ttlMs: body.ttlMs };
    });
  }

  /** Revokes a lease: its keys are deleted. */
  revoke(id: number): Promise<LeaseRevokeResponse> {
    const requestId = this.s.nextRequestId();
    return this.s.write(async () => {
      const { header } = await this.s.requester.send({ type: 'leaseRevoke', id }, 'leaseRevoke', { requestId });
      return { header, id };
    });
  }

  /** Renews a lease once: its deadline becomes now + its TTL. */
  keepAliveOnce(id: number): Promise<LeaseKeepAliveResponse> {
    return this.s.write(async () => {
      const { header, body } = await this.s.requester.send({ type: 'leaseKeepAlive', id }, 'leaseKeepAlive');
      return { header, id: body.id, ttlMs: body.ttlMs };
    });
  }

  timeToLive(id: number, o: { keys?: boolean } = {}): Promise<LeaseTimeToLiveResponse> {
    return this.s.write(async () => {
      const { header, body } = await this.s.requester.send({ type: 'leaseTimeToLive', id, keys: o.keys ?? false }, 'leaseTimeToLive');
      return { header, id: body.id, remainingMs: body.remainingMs, grantedTtlMs: body.grantedTtlMs, keys: body.keys };
    });
  }

  list(): Promise<LeaseListResponse> {
    return this.s.write(async () => {
      const { header, body } = await this.s.requester.send({ type: 'leaseList' }, 'leaseList');
      return { header, ids: body.ids };
    });
  }
}

// Sends one API request and gets its answer: validates and encodes it, picks the subject, and retries
// what can be retried (backoff with full jitter) until the deadline. A write's requestId is fixed by
// the caller, so every retry carries the same one and the server applies it at most once.
import type { NatsConnection } from 'nats';
import { decodeResponse, encodeRequest } from '../codec/index.js';
import {
  CancelledError, InternalError, KeelError, PermissionDeniedError, TimeoutError, UnavailableError, errorFromBody,
} from '../codec/errors.js';
import { checkRequestSize, validateRequest, type Limits } from '../codec/limits.js';
import { isBatchable } from '../codec/request-types.js';
import type { ApiRequest, RequestBody, RequestId, ResponseBody, ResponseHeader } from '../codec/types.js';
import { leaderSubjectFor, subjectFor } from '../transport/subjects.js';
import { RequestMux } from './request-mux.js';
import { backoffDelay, describeFailure, isConnectionClosed, isNatsTimeout, isNoResponders, isPermissionViolation, isRetryable } from './retry.js';

export interface RequesterOptions {
  cluster: string;
  connections: NatsConnection[];
  limits: Limits;
  /** Per attempt. */
  timeoutMs: number;
  /** For all attempts together. */
  deadlineMs: number;
  random?: () => number;
  /** See ConnectOptions.noNodeMs. */
  noNodeMs?: number;
  /** Linearizable ranges without a node id go to the leader (ConnectOptions.linearizableReads). */
  linearizableReadsAtLeader?: boolean;
  /** Requests of one turn to the same subject share a message (ConnectOptions.batchRequests; default true). */
  batchRequests?: boolean;
}

export interface SendOptions {
  requestId?: RequestId | null;
  /** Ask this node (keel.<c>.node.<id>.<type>) instead of any node or the leader. */
  nodeId?: string;
  /** Overrides the total deadline for this request. */
  deadlineMs?: number;
  /** false: one attempt only. */
  retry?: boolean;
}

/** The response body of one type (intersection, so EmptyResult's union of types narrows too). */
export type BodyOf<T extends ResponseBody['type']> = ResponseBody & { type: T };

export interface Answer<B extends ResponseBody = ResponseBody> {
  header: ResponseHeader;
  body: B;
}

export class Requester {
  private readonly o: RequesterOptions;
  private next = 0;
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  /** One per connection, index for index with o.connections. */
  private readonly muxes: RequestMux[];

  constructor(o: RequesterOptions) {
    if (o.connections.length === 0) throw new Error('Requester: needs at least one NATS connection');
    this.o = o;
    this.muxes = o.connections.map((nc) => new RequestMux(nc, { batch: o.batchRequests ?? true }));
  }

  /** Request batches sent over all connections (see RequestMux). */
  get batchesSent(): number {
    return this.muxes.reduce((n, mux) => n + mux.batchesSent, 0);
  }

  /** Fails every request from now on and wakes those sleeping between attempts. */
  close(): void {
    this.closed = true;
    for (const mux of this.muxes) mux.close();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  /**
   * Sends `body` and returns the answer whose body has the expected type; throws a KeelError.
   * (One async function per request, with the attempt inlined.)
   */
  async send<T extends ResponseBody['type']>(
    body: RequestBody, expect: T, so: SendOptions = {},
  ): Promise<Answer<BodyOf<T>>> {
    const req: ApiRequest = { requestId: so.requestId ?? null, body };
    validateRequest(req, this.o.limits);
    const bytes = encodeRequest(req);
    checkRequestSize(bytes.length, this.o.limits);
    const subject = this.subjectOf(body, so.nodeId);

    const deadlineMs = so.deadlineMs ?? this.o.deadlineMs;
    const deadline = Date.now() + deadlineMs;
    let lastFailure = '';
    let noRespondersSince = 0;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new CancelledError('the client is closed');
      const remaining = deadline - Date.now();
      if (remaining <= 0 && attempt > 0) {
        throw new TimeoutError(`${body.type} got no answer within ${deadlineMs} ms (${attempt} attempts; last: ${lastFailure})`);
      }
      const attemptMs = Math.max(1, Math.min(this.o.timeoutMs, remaining));
      let answer: Answer;
      try {
        // An error answer (NotLeader, ...) is thrown here too, so the retry rules below apply to it.
        answer = this.answerOf(subject, await this.connection().request(subject, bytes, attemptMs, isBatchable(body.type)));
      } catch (err) {
        if (this.closed) throw new CancelledError('the client is closed');
        if (isConnectionClosed(err) && this.o.connections.every((nc) => nc.isClosed())) {
          throw new UnavailableError('the NATS connection is closed');
        }
        if (!isRetryable(err) || so.retry === false) throw toKeelError(err, subject);
        // An attempt cut short by the deadline that then timed out says nothing new about the cause.
        if (!(isNatsTimeout(err) && attemptMs < this.o.timeoutMs && lastFailure !== '')) lastFailure = describeFailure(err);
        noRespondersSince = isNoResponders(err) ? noRespondersSince || Date.now() : 0;
        if (noRespondersSince > 0 && this.o.noNodeMs !== undefined && Date.now() - noRespondersSince >= this.o.noNodeMs
          && !(await this.anyNodeServes())) {
          const servers = this.o.connections.map((nc) => nc.getServer()).join(',');
          throw new UnavailableError(`no Keel node serves cluster ${this.o.cluster} on ${servers}`);
        }
        const pause = Math.min(backoffDelay(attempt, this.o.random), Math.max(0, deadline - Date.now()));
        await this.sleep(pause);
        continue;
      }
      if (answer.body.type !== expect) {
        throw new InternalError(`a ${body.type} request was answered with a ${answer.body.type} body`);
      }
      return answer as Answer<BodyOf<T>>;
    }
  }

  /** Where a request goes: the node asked for, the leader for a linearizable read, else its type's subject. */
  private subjectOf(body: RequestBody, nodeId: string | undefined): string {
    if (nodeId === undefined && body.type === 'range' && !body.serializable && this.o.linearizableReadsAtLeader) {
      return leaderSubjectFor(this.o.cluster, 'range');
    }
    return subjectFor(this.o.cluster, body.type, nodeId);
  }

  /** The answer a reply carries; an error response is thrown as its KeelError. */
  private answerOf(subject: string, data: Uint8Array): Answer {
    let res;
    try {
      res = decodeResponse(data);
    } catch (err) {
      throw new InternalError(`malformed response on ${subject}: ${(err as Error).message}`);
    }
    if (res.error !== null) throw errorFromBody(res.error);
    if (res.body === null) throw new InternalError(`response on ${subject} has neither a body nor an error`);
    return { header: res.header, body: res.body };
  }

  /**
   * Whether any node of the cluster is subscribed: "no responders" on a write subject may only mean
   * an election; the status subject, which every node serves, tells the two apart.
   */
  private async anyNodeServes(): Promise<boolean> {
    const probe = encodeRequest({ requestId: null, body: { type: 'status' } });
    try {
      await this.connection().request(subjectFor(this.o.cluster, 'status'), probe, this.o.timeoutMs);
      return true;
    } catch (err) {
      return !isNoResponders(err);
    }
  }

  /** The next open connection's request mux (round robin). */
  private connection(): RequestMux {
    const pool = this.o.connections;
    for (let i = 0; i < pool.length; i++) {
      const at = this.next++ % pool.length;
      if (!pool[at].isClosed()) return this.muxes[at];
    }
    return this.muxes[0]; // all closed: its request fails with CONNECTION_CLOSED, handled by the caller
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

/** A failure that will not be retried, as the typed error the caller sees. */
function toKeelError(err: unknown, subject: string): KeelError {
  if (err instanceof KeelError) return err;
  if (isNatsTimeout(err)) return new TimeoutError(`${subject}: no answer in time`);
  if (isPermissionViolation(err)) {
    const hint = subject.includes('.admin.') ? 'operator actions need the admin identity (--nkey <admin.nk> or KEEL_NKEY)' : 'check the identity this client connects as';
    return new PermissionDeniedError(`NATS does not let this connection publish to ${subject}: ${hint}`);
  }
  if (isRetryable(err)) return new UnavailableError(`${subject}: ${describeFailure(err)}`);
  return new InternalError(`${subject}: ${describeFailure(err)}`);
}

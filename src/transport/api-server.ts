// The client API service of one node: subscribes to the API subjects, turns every request into a
// call of the node's ApiHandler, and always answers — a typed error response when anything is wrong
// (malformed bytes, wrong subject, limits, a throwing handler). It never crashes on a request.
import { trace } from '../trace.js';
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { decodeRequest, encodeResponse } from '../codec/index.js';
import { InternalError, InvalidArgumentError, KeelError } from '../codec/errors.js';
import { checkRequestSize, validateRequest, type Limits } from '../codec/limits.js';
import { batchOverhead, decodeBatch, encodeBatch } from '../codec/request-batch.js';
import { isBatchable } from '../codec/request-types.js';
import type { ApiRequest, ApiResponse, ErrorBody } from '../codec/types.js';
import {
  ADMIN_LEADER_TYPES, ADMIN_NODE_TYPES, adminSubject, apiQueueGroup, isTypeAllowed, parseApiSubject, scopeWildcard,
  type ApiScope, type ParsedApiSubject,
} from './subjects.js';

/** A response NATS cannot carry. Sent as RequestTooLarge: the fix is on the asking side. */
class ResponseTooLargeError extends KeelError {
  constructor(size: number, limit: number) {
    super('RequestTooLarge', `the response would be ${size} bytes, above the NATS max_payload of ${limit}; narrow the range or set a limit`);
  }
}

const EMPTY = new Uint8Array(0);

export interface ApiRequestContext {
  scope: ApiScope;
  /** The request type the subject names (equal to req.body.type by the time the handler runs). */
  subjectType: string;
}

export interface ApiHandler {
  /** Serves one valid request. May throw a KeelError: it is sent back as the error response. */
  handle(req: ApiRequest, ctx: ApiRequestContext): Promise<ApiResponse>;
  /** Who is answering, for error responses the server builds itself (their revision is 0). */
  header(): { nodeId: string; term: number };
}

/** Told of every answered request (metrics). Called on the hot path: must be cheap and not throw. */
export interface ApiObserver {
  /** `type` is the operation the subject named (null when the subject names none); `errorCode` null on success. */
  served(type: string | null, seconds: number, errorCode: string | null): void;
  /** A well-formed request batch of `requests` items arrived (each item is then also `served`). */
  batch?(requests: number): void;
}

export interface ApiServerOptions {
  cluster: string;
  nodeId: string;
  handler: ApiHandler;
  limits: Limits;
  logger: Logger;
  observer?: ApiObserver;
  /**
   * Told about each request refused before the handler ('malformed': bad subject, size, bytes or
   * fields), each unexpected handler error ('failed'), and subscription errors (for the counters).
   */
  onRefused?: (kind: 'malformed' | 'failed' | 'subscription', err: unknown) => void;
  /** Called right after each reply is published (the node sends what it held for this write). */
  afterReply?: () => void;
}

export class ApiServer {
  private readonly nc: NatsConnection;
  private readonly opts: ApiServerOptions;
  private readonly subs: Subscription[] = [];
  /** Held while this node leads: `keel.<c>.leader.>` and the leader's admin subjects. */
  private leaderSubs: Subscription[] | null = null;
  private inFlightCount = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(nc: NatsConnection, opts: ApiServerOptions) {
    this.nc = nc;
    this.opts = opts;
  }

  /** Requests received and not yet answered. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  get isLeader(): boolean {
    return this.leaderSubs !== null;
  }

  /**
   * Subscribes to `keel.<c>.api.>` and the any-node admin subjects (queue group `keel.<c>`),
   * `keel.<c>.node.<id>.>` and `keel.<c>.admin.node.<id>.>`.
   */
  start(): void {
    if (this.stopped) throw new Error('ApiServer: start() after stop()');
    if (this.subs.length > 0) return;
    const { cluster, nodeId } = this.opts;
    this.subs.push(this.subscribe(scopeWildcard(cluster, 'api'), apiQueueGroup(cluster)));
    this.subs.push(this.subscribe(scopeWildcard(cluster, 'node', nodeId)));
    for (const type of ADMIN_NODE_TYPES) this.subs.push(this.subscribe(adminSubject(cluster, type), apiQueueGroup(cluster)));
    this.subs.push(this.subscribe(scopeWildcard(cluster, 'adminNode', nodeId)));
  }

  /** Subscribes to the leader's subjects on election, drains them on step-down. Idempotent. */
  setLeader(isLeader: boolean): void {
    if (this.stopped) return;
    if (isLeader && this.leaderSubs === null) {
      const { cluster } = this.opts;
      this.leaderSubs = [
        this.subscribe(scopeWildcard(cluster, 'leader')),
        ...ADMIN_LEADER_TYPES.map((type) => this.subscribe(adminSubject(cluster, type))),
      ];
      this.opts.logger.info('api: serving leader subjects');
    } else if (!isLeader && this.leaderSubs !== null) {
      // Drain, not unsubscribe: writes already delivered get an answer (NotLeader from the handler,
      // which the client retries at once) instead of waiting out the client's timeout.
      for (const sub of this.leaderSubs) void this.release(sub);
      this.leaderSubs = null;
      this.opts.logger.info('api: stopped serving leader subjects');
    }
  }

  /** Stops taking requests, then waits until every request already received has been answered. */
  async stop(): Promise<void> {
    if (this.stopped) return this.waitIdle();
    this.stopped = true;
    const subs = [...this.subs, ...(this.leaderSubs ?? [])];
    this.subs.length = 0;
    this.leaderSubs = null;
    await Promise.all(subs.map((sub) => this.release(sub)));
    await this.waitIdle();
  }

  /** Drains a subscription (messages already delivered are still served); never rejects. */
  private async release(sub: Subscription): Promise<void> {
    try {
      await sub.drain();
    } catch (err) {
      // The connection is closing or closed: nothing more can be delivered or answered.
      this.opts.logger.debug({ err, subject: sub.getSubject() }, 'api: subscription drain failed');
      try {
        sub.unsubscribe();
      } catch {
        // already gone with its connection
      }
    }
  }

  private waitIdle(): Promise<void> {
    if (this.inFlightCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private subscribe(subject: string, queue?: string): Subscription {
    return this.nc.subscribe(subject, {
      queue,
      callback: (err, msg) => {
        if (err) {
          if (this.opts.onRefused) this.opts.onRefused('subscription', err);
          else this.opts.logger.warn({ err, subject }, 'api: subscription error');
          return;
        }
        // serve() answers every request itself; this only guards the promise nobody awaits.
        this.serve(msg).catch((err) => this.opts.logger.error({ err, subject: msg.subject }, 'api: request dropped'));
      },
    });
  }

  private async serve(msg: Msg): Promise<void> {
    const parsed = parseApiSubject(msg.subject);
    if (parsed?.batch) return this.serveBatch(msg, parsed);
    this.begin();
    try {
      this.reply(msg, await this.answer(msg.data, msg.subject, parsed));
      trace('reply', 0, parsed?.type ?? '');
    } finally {
      this.end();
    }
  }

  /**
   * Several requests of one type in one message (request-batch.ts): each is served exactly as if it
   * had come alone, and the answers go back together, item for item. A batch that is not well formed
   * gets one error response.
   */
  private async serveBatch(msg: Msg, parsed: ParsedApiSubject): Promise<void> {
    let items: Uint8Array[];
    try {
      if (!isBatchable(parsed.type) || !isTypeAllowed(parsed.scope, parsed.type)) {
        throw new InvalidArgumentError(`subject ${msg.subject} names no operation served in batches`);
      }
      items = decodeBatch(msg.data);
    } catch (err) {
      this.opts.onRefused?.('malformed', err);
      const error = err instanceof KeelError ? err : new InvalidArgumentError(`malformed request batch: ${(err as Error).message}`);
      this.opts.observer?.served(parsed.type, 0, error.code);
      this.reply(msg, this.encodeError(error));
      return;
    }
    this.opts.observer?.batch?.(items.length);
    this.begin(items.length); // in flight: every request of the batch
    try {
      const answers = await Promise.all(items.map((item) => this.answer(item, msg.subject, parsed)));
      this.reply(msg, this.fitBatch(answers));
      trace('reply', 0, parsed.type);
    } finally {
      this.end(items.length);
    }
  }

  /**
   * The batch reply, within max_payload: when the answers together are too big, the largest are left
   * out (sent as empty items) and their clients ask for them again one by one.
   */
  private fitBatch(answers: Uint8Array[]): Uint8Array {
    const maxPayload = this.nc.info?.max_payload ?? Infinity;
    let size = batchOverhead(answers.length);
    for (const a of answers) size += a.length;
    if (size > maxPayload) {
      const largestFirst = answers.map((a, i) => i).sort((x, y) => answers[y]!.length - answers[x]!.length);
      for (const i of largestFirst) {
        if (size <= maxPayload) break;
        size -= answers[i]!.length;
        answers[i] = EMPTY;
      }
    }
    return encodeBatch(answers);
  }

  private begin(requests = 1): void {
    this.inFlightCount += requests;
  }

  private end(requests = 1): void {
    this.inFlightCount -= requests;
    if (this.inFlightCount === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  /** The encoded answer to one request: its response, or the typed error response; never throws. */
  private async answer(data: Uint8Array, subject: string, parsed: ParsedApiSubject | null): Promise<Uint8Array> {
    const started = performance.now();
    trace('req', 0, parsed?.type ?? '');
    let errorCode: string | null = null;
    let bytes: Uint8Array;
    try {
      try {
        bytes = this.encodeChecked(await this.handleRequest(data, subject, parsed));
      } catch (err) {
        const error = this.toKeelError(err, subject);
        errorCode = error.code;
        bytes = this.encodeError(error);
      }
    } finally {
      this.opts.observer?.served(parsed?.type ?? null, (performance.now() - started) / 1000, errorCode);
    }
    return bytes;
  }

  private async handleRequest(data: Uint8Array, subject: string, parsed: ParsedApiSubject | null): Promise<ApiResponse> {
    let req: ApiRequest;
    try {
      req = this.parse(data, subject, parsed);
    } catch (err) {
      this.opts.onRefused?.('malformed', err);
      throw err;
    }
    return this.opts.handler.handle(req, { scope: parsed!.scope, subjectType: req.body.type });
  }

  /** The request a message carries, checked against its subject and the limits; throws a KeelError. */
  private parse(data: Uint8Array, subject: string, parsed: ParsedApiSubject | null): ApiRequest {
    if (parsed === null || !isTypeAllowed(parsed.scope, parsed.type)) {
      throw new InvalidArgumentError(`subject ${subject} names no operation served there`);
    }
    checkRequestSize(data.length, this.opts.limits);
    let req: ApiRequest;
    try {
      req = decodeRequest(data);
    } catch (err) {
      throw new InvalidArgumentError(`malformed request: ${(err as Error).message ?? String(err)}`);
    }
    if (req.body.type !== parsed.type) {
      throw new InvalidArgumentError(`a ${req.body.type} request was sent to ${subject}`);
    }
    validateRequest(req, this.opts.limits);
    return req;
  }

  private encodeChecked(response: ApiResponse): Uint8Array {
    const bytes = encodeResponse(response);
    const maxPayload = this.nc.info?.max_payload;
    if (maxPayload !== undefined && bytes.length > maxPayload) {
      // Too big for NATS to deliver: tell the client to ask for less instead of going silent.
      throw new ResponseTooLargeError(bytes.length, maxPayload);
    }
    return bytes;
  }

  private toKeelError(err: unknown, subject: string): KeelError {
    if (err instanceof KeelError) {
      return err;
    }
    if (this.opts.onRefused) this.opts.onRefused('failed', err);
    else this.opts.logger.error({ err, subject }, 'api: request failed');
    return new InternalError(`internal error: ${(err as Error)?.message ?? String(err)}`);
  }

  private encodeError(error: KeelError): Uint8Array {
    const header = this.safeHeader();
    const body: ErrorBody = error.toBody();
    try {
      return encodeResponse({ header: { revision: 0, ...header }, error: body, body: null });
    } catch (err) {
      // Only a broken codec gets here; still answer with the smallest possible error.
      this.opts.logger.error({ err }, 'api: cannot encode an error response');
      return encodeResponse({
        header: { revision: 0, nodeId: this.opts.nodeId, term: 0 },
        error: { code: 'Internal', message: 'cannot encode the response', revision: 0 },
        body: null,
      });
    }
  }

  private safeHeader(): { nodeId: string; term: number } {
    try {
      const { nodeId, term } = this.opts.handler.header();
      return { nodeId, term };
    } catch {
      return { nodeId: this.opts.nodeId, term: 0 };
    }
  }

  private reply(msg: Msg, bytes: Uint8Array): void {
    if (!msg.reply) {
      this.opts.logger.warn({ subject: msg.subject }, 'api: request without a reply subject dropped');
      return;
    }
    try {
      msg.respond(bytes);
    } catch (err) {
      this.opts.logger.warn({ err, subject: msg.subject }, 'api: could not send the response');
    }
    this.opts.afterReply?.();
  }
}

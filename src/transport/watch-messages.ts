// The messages of the watch stream (schemas/watch.avsc) and the subject acks go to. The protocol is
// described in src/transport/WATCH.md.
import { makeCodec, type Codec } from '../codec/codec.js';
import { watchEventFromAvro } from '../codec/map-api.js';
import { branchOf, type Decoded } from '../codec/map-command.js';
import { typeNamed } from '../codec/schemas.js';
import type { WatchEvent } from '../codec/types.js';
import { assertSubjectToken, clusterPrefix } from './subjects.js';

export type WatchCancelReason =
  /** The client asked (watchCancel). */
  | 'cancelled'
  /** The client left too many events unacknowledged. */
  | 'slowConsumer'
  /** No ack arrived for too long: the client is presumed gone. */
  | 'clientGone'
  /** The node is shutting down: resume elsewhere. */
  | 'nodeStopping'
  /** History the watch still needed was dropped. */
  | 'compacted'
  /** One revision's events do not fit in a NATS message. */
  | 'tooLarge'
  | 'internal'
  /** The node has known no leader for a while: its events may have stopped; resume elsewhere. */
  | 'noLeader';

export type WatchMessageBody =
  | { type: 'events'; lastRevision: number; events: WatchEvent[] }
  | { type: 'progress'; revision: number }
  | { type: 'cancelled'; reason: WatchCancelReason; message: string; compactRevision: number };

export interface WatchMessage {
  watchId: string;
  nodeId: string;
  /**
   * Every matching event up to this revision was covered by the messages sent before this one on
   * this watch (startRevision - 1 for the first). A receiver that has received less lost a message.
   */
  prevRevision: number;
  body: WatchMessageBody;
}

export interface WatchAckEntry {
  watchId: string;
  /** Every event up to this revision has reached the caller. */
  revision: number;
}

export interface WatchAck {
  acks: WatchAckEntry[];
}

function bodyToAvro(body: WatchMessageBody): object {
  switch (body.type) {
    case 'events': return { 'keel.WatchEvents': { lastRevision: body.lastRevision, events: body.events } };
    case 'progress': return { 'keel.WatchProgress': { revision: body.revision } };
    case 'cancelled':
      return { 'keel.WatchCancelled': { reason: body.reason, message: body.message, compactRevision: body.compactRevision } };
  }
}

function bodyFromAvro(wrapped: Decoded): WatchMessageBody {
  const name = branchOf(wrapped);
  const r = wrapped[name];
  switch (name) {
    case 'keel.WatchEvents':
      return { type: 'events', lastRevision: r.lastRevision, events: r.events.map(watchEventFromAvro) };
    case 'keel.WatchProgress': return { type: 'progress', revision: r.revision };
    case 'keel.WatchCancelled':
      return { type: 'cancelled', reason: r.reason, message: r.message, compactRevision: r.compactRevision };
    default: throw new Error(`unexpected watch message ${name}`);
  }
}

export const watchMessageCodec: Codec<WatchMessage> = makeCodec(
  typeNamed('keel.WatchMessage'),
  (m: WatchMessage) => ({ watchId: m.watchId, nodeId: m.nodeId, prevRevision: m.prevRevision, body: bodyToAvro(m.body) }),
  (r: Decoded): WatchMessage => ({ watchId: r.watchId, nodeId: r.nodeId, prevRevision: r.prevRevision, body: bodyFromAvro(r.body) }),
);

export const watchAckCodec: Codec<WatchAck> = makeCodec(
  typeNamed('keel.WatchAck'),
  undefined,
  (r: Decoded): WatchAck => ({ acks: r.acks.map((a: Decoded) => ({ watchId: a.watchId, revision: a.revision })) }),
);

/** Where a client publishes its acks for the watches it holds on `nodeId` (plain publish, no reply). */
export function watchAckSubject(cluster: string, nodeId: string): string {
  assertSubjectToken('node id', nodeId);
  return `${clusterPrefix(cluster)}.watch.${nodeId}.ack`;
}

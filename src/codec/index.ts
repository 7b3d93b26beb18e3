// Keel's codec: Avro schemas (schemas/*.avsc), typed encode/decode, fingerprints and reading data
// written with older schema versions. See src/codec/README.md.
import { commandCodec, outcomeCodec, requestCodec, responseCodec, watchEventCodec } from './codecs.js';
import type { ApiRequest, ApiResponse, ApplyOutcome, Command, WatchEvent } from './types.js';

export { entryCodec, entryCodecFor, resolvingDecoder, commandCodec, outcomeCodec, requestCodec, responseCodec,
  watchEventCodec, type ReaderName } from './codecs.js';
export type { Entry, EntryCodecShape } from './entry.js';
export { makeCodec, type Codec } from './codec.js';
export { encodeEntryCommands, decodeEntryCommands } from './entry-commands.js';
export { avroLengthBytes } from './avro-long.js';
export { registry, typeNamed, SCHEMA_DIR, HISTORY_DIR } from './schemas.js';
export { schemaFingerprint, fingerprintHex, canonicalForm } from './fingerprint.js';
export { toBytes, prefixEnd, compareBytes, TO_THE_END } from './keys.js';
export * from './types.js';
export * from './errors.js';

export function encodeCommand(c: Command): Buffer { return commandCodec.encode(c); }
/** Throws InvalidArgumentError (with the reason) on malformed bytes. */
export function decodeCommand(b: Uint8Array): Command { return commandCodec.decode(b); }

export function encodeRequest(r: ApiRequest): Buffer { return requestCodec.encode(r); }
/** Throws InvalidArgumentError (with the reason) on malformed bytes. */
export function decodeRequest(b: Uint8Array): ApiRequest { return requestCodec.decode(b); }

export function encodeResponse(r: ApiResponse): Buffer { return responseCodec.encode(r); }
export function decodeResponse(b: Uint8Array): ApiResponse { return responseCodec.decode(b); }

export function encodeOutcome(o: ApplyOutcome): Buffer { return outcomeCodec.encode(o); }
export function decodeOutcome(b: Uint8Array): ApplyOutcome { return outcomeCodec.decode(b); }

export function encodeWatchEvent(e: WatchEvent): Buffer { return watchEventCodec.encode(e); }
export function decodeWatchEvent(b: Uint8Array): WatchEvent { return watchEventCodec.decode(b); }

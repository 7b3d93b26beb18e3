// The typed codecs of Keel's schemas, built once when the module loads.
import { makeCodec, type Codec } from './codec.js';
import { currentEntryCodec, type EntryCodecShape } from './entry.js';
import { EntryCodecIndex, loadHistory, makeResolvingDecoder } from './history.js';
import { requestFromAvro, requestToAvro, responseFromAvro, responseToAvro, watchEventFromAvro } from './map-api.js';
import { commandFromAvro, commandToAvro, outcomeFromAvro, outcomeToAvro, type Decoded } from './map-command.js';
import { HISTORY_DIR, typeNamed } from './schemas.js';
import type { ApiRequest, ApiResponse, ApplyOutcome, Command, WatchEvent } from './types.js';

const entryType = typeNamed('keel.Entry');

export const entryCodec: EntryCodecShape = currentEntryCodec(entryType);

export const commandCodec: Codec<Command> = makeCodec(typeNamed('keel.Command'), commandToAvro, commandFromAvro);
export const outcomeCodec: Codec<ApplyOutcome> = makeCodec(typeNamed('keel.ApplyOutcome'), outcomeToAvro, outcomeFromAvro);
export const requestCodec: Codec<ApiRequest> = makeCodec(typeNamed('keel.ApiRequest'), requestToAvro, requestFromAvro);
export const responseCodec: Codec<ApiResponse> = makeCodec(typeNamed('keel.ApiResponse'), responseToAvro, responseFromAvro);
export const watchEventCodec: Codec<WatchEvent> = makeCodec(typeNamed('keel.WatchEvent'), undefined, watchEventFromAvro);

/** How each reader type's decoded value becomes its TS value (for resolvingDecoder). */
const FROM_AVRO: Record<string, (decoded: Decoded) => unknown> = {
  'keel.Entry': (r: Decoded) => ({ index: r.index, term: r.term, type: r.type, data: r.data }),
  'keel.Command': commandFromAvro,
  'keel.ApplyOutcome': outcomeFromAvro,
  'keel.ApiRequest': requestFromAvro,
  'keel.ApiResponse': responseFromAvro,
  'keel.WatchEvent': watchEventFromAvro,
};

export type ReaderName = 'keel.Entry' | 'keel.Command' | 'keel.ApplyOutcome' | 'keel.ApiRequest' | 'keel.ApiResponse'
  | 'keel.WatchEvent' | (string & {});

/**
 * Decodes bytes written with an older `writerSchema` as the current `readerName` type, through
 * Avro schema resolution. Known Keel types come back as their TS values; any other named type in
 * schemas/ comes back as avsc decodes it. Throws InvalidArgumentError if the versions cannot resolve.
 */
export function resolvingDecoder(writerSchemaJson: object | string, readerName: ReaderName): (b: Uint8Array) => unknown {
  const fromAvro = FROM_AVRO[readerName] ?? ((r: Decoded) => r);
  return makeResolvingDecoder(writerSchemaJson, typeNamed(readerName), fromAvro);
}

// Built on first use: only a process that opens a log needs the old schema versions (a client does not).
let entryCodecs: EntryCodecIndex | undefined;

/** The entry codec for a segment whose header carries `fingerprint` (current or any version in schemas/history). */
export function entryCodecFor(fingerprint: Uint8Array): EntryCodecShape {
  entryCodecs ??= new EntryCodecIndex(entryCodec, entryType, loadHistory(HISTORY_DIR));
  return entryCodecs.get(fingerprint);
}

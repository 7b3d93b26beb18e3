// Codec hot-path throughput: npm run bench:codec
// (not a test: prints ops/s for encode+decode of a 256-byte put request and log entry).
import {
  decodeCommand, decodeRequest, decodeResponse, encodeCommand, encodeRequest, encodeResponse, entryCodec,
  type ApiRequest, type ApiResponse, type Command,
} from '../src/codec/index.js';

const key = new TextEncoder().encode('/keel/brokers/broker-0042/partitions/17');
const value = new Uint8Array(256 - key.length).fill(0x61); // key + value = 256 bytes
const put = { type: 'put' as const, key, value, lease: 0, prevKv: false };
const request: ApiRequest = { requestId: { clientId: 'client-7f3a9c', seq: 123456 }, body: put };
const command: Command = { requestId: request.requestId, op: put };
const response: ApiResponse = { header: { revision: 987654, nodeId: 'n1', term: 4 }, error: null, body: { type: 'put', prevKv: null } };
const entry = { index: 1_234_567, term: 4, type: 'normal' as const, data: encodeCommand(command) };

function bench(name: string, fn: () => unknown, durationMs = 1000): void {
  for (let i = 0; i < 20_000; i++) fn(); // warm up
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    for (let i = 0; i < 1000; i++) fn();
    ops += 1000;
    now = performance.now();
  }
  console.log(`${name.padEnd(52)} ${Math.round(ops / ((now - start) / 1000)).toLocaleString('en-US').padStart(12)} ops/s`);
}

const encodedRequest = encodeRequest(request);
const encodedEntry = entryCodec.encode(entry);
console.log(`request ${encodedRequest.length} bytes, entry ${encodedEntry.length} bytes (command ${entry.data.length})`);
bench('put request: encode + decode', () => decodeRequest(encodeRequest(request)));
bench('put request: decode', () => decodeRequest(encodedRequest));
bench('put response: encode + decode', () => decodeResponse(encodeResponse(response)));
bench('log entry (256-byte put command): encode + decode', () => entryCodec.decode(entryCodec.encode(entry)));
bench('log entry: encode command + entry, decode both', () => {
  const bytes = entryCodec.encode({ ...entry, data: encodeCommand(command) });
  return decodeCommand(entryCodec.decode(bytes).data);
});
bench('log entry: peekIndexTerm', () => entryCodec.peekIndexTerm(encodedEntry));

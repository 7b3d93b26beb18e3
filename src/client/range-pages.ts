// A range read that follows the server's pages. A node answers one page at most (its byte budget,
// below NATS max_payload) and says `more`; the client asks for the keys after the last one it got,
// at the first page's revision, so the caller gets every key of one consistent view. Later pages go
// to the node that answered the first (its history certainly holds that revision); if that node is
// gone, to any node.
import { KeelError } from '../codec/errors.js';
import type { KeyValue, RangeOp, ResponseHeader } from '../codec/types.js';
import type { Answer, BodyOf, Requester } from './requester.js';
import { toRangeItem, type RangeResponse } from './results.js';

export type RangeRequestBody = RangeOp & { serializable: boolean; revision?: number };

/** The smallest key after `key` (key + 0x00). */
function keyAfter(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1);
  next.set(key);
  return next;
}

export async function rangeAllPages(requester: Requester, first: RangeRequestBody, nodeId?: string): Promise<RangeResponse> {
  const page1 = await requester.send(first, 'range', { nodeId });
  const header: ResponseHeader = page1.header;
  const revision = first.revision || header.revision;
  const kvs: KeyValue[] = [...page1.body.kvs];
  let page = page1.body;
  while (page.more && !first.countOnly && page.kvs.length > 0 && (first.limit === 0 || kvs.length < first.limit)) {
    const next: RangeRequestBody = {
      ...first,
      key: keyAfter(kvs[kvs.length - 1]!.key),
      revision,
      limit: first.limit === 0 ? 0 : first.limit - kvs.length,
    };
    page = (await sendPinned(requester, next, nodeId ?? header.nodeId, nodeId === undefined)).body;
    for (const kv of page.kvs) kvs.push(kv);
  }
  return { header, ...toRangeItem({ type: 'range', kvs, count: page1.body.count, more: page.more }) };
}

/** To `node` first; when it cannot answer and the caller did not ask for that node, to any node. */
async function sendPinned(requester: Requester, body: RangeRequestBody, node: string, mayMove: boolean): Promise<Answer<BodyOf<'range'>>> {
  if (!mayMove) return requester.send(body, 'range', { nodeId: node });
  try {
    return await requester.send(body, 'range', { nodeId: node, retry: false });
  } catch (err) {
    if (err instanceof KeelError && err.code !== 'Unavailable' && err.code !== 'Timeout') throw err;
    return requester.send(body, 'range');
  }
}

// The key-value calls that layers built on Keel need (the broker registry today, placement later).
// KeelClient implements this interface; such layers take it instead of the concrete client, so they
// can be tested against a fake and never import the client back.
import type { KeyLike, KeySelector, ValueLike } from './bytes.js';
import type { LeaseApi } from './lease.js';
import type { DeleteResponse, KeyValueWithHeader, PutResponse, RangeResponse, TxnResponse } from './results.js';
import type { PutOptions, TxnSpec } from './txn.js';
import type { Watch, WatchOptions } from './watch.js';

export interface KeyValueApi {
  get(key: KeyLike): Promise<KeyValueWithHeader | null>;
  put(key: KeyLike, value: ValueLike, o?: PutOptions): Promise<PutResponse>;
  delete(sel: KeyLike | KeySelector): Promise<DeleteResponse>;
  range(q: { prefix: KeyLike }): Promise<RangeResponse>;
  txn(spec: TxnSpec): Promise<TxnResponse>;
  watch(target: KeySelector, o?: WatchOptions): Watch;
  readonly lease: Pick<LeaseApi, 'grant' | 'revoke' | 'keepAlive' | 'keepAliveOnce'>;
}

// Where the broker registry keeps a broker: /keel/brokers/<id>. Its createRevision is the broker's
// epoch (see fence.ts); the registry, fencing and the placement center all name keys through here.
export const BROKERS_PREFIX = '/keel/brokers/';

export function brokerKey(id: string): string {
  return BROKERS_PREFIX + id;
}

/** Where a broker reports the store revision it has applied: /keel/applied/<id>, on its lease. */
export const APPLIED_PREFIX = '/keel/applied/';

export function appliedKey(id: string): string {
  return APPLIED_PREFIX + id;
}

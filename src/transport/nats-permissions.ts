// What each NATS identity of a Keel cluster may publish and subscribe to (docs/security.md), written
// into nats-server's configuration by `keel nats-config` and `keel dev`:
//   node   Raft subjects, serves every API subject, answers requests and delivers watch events; and
//          what a client may, since services beside the node (the placement controller on the
//          leader) use the node's connection as a client
//   client requests on the leader/api/node subjects and watch acks; subscribes to inboxes only
//   admin  client, plus the operator actions on keel.<c>.admin.<type>
import { clusterPrefix } from './subjects.js';

export type Identity = 'node' | 'client' | 'admin';
export const IDENTITIES: readonly Identity[] = ['node', 'client', 'admin'];

export interface Permissions {
  publish: string[];
  subscribe: string[];
}

/** Replies and watch events go to the asker's inbox: clients must keep nats.js's default `_INBOX` prefix. */
const INBOXES = '_INBOX.>';
/** The NATS services framework's discovery subjects (`nats micro ls`). */
const SERVICES = '$SRV.>';

export function permissionsFor(identity: Identity, cluster: string): Permissions {
  const p = clusterPrefix(cluster);
  const client: Permissions = {
    publish: [`${p}.leader.>`, `${p}.api.>`, `${p}.node.>`, `${p}.watch.*.ack`],
    subscribe: [INBOXES],
  };
  switch (identity) {
    case 'client':
      return client;
    case 'admin':
      // $SRV.>: operators list the nodes with `nats micro ls|info|stats` (docs/observability.md).
      return { ...client, publish: [...client.publish, `${p}.admin.>`, SERVICES] };
    case 'node':
      return {
        // As a client: also the status page's cluster view asks each member for its status (src/node/cluster-view.ts).
        publish: [...client.publish, `${p}.raft.*`, INBOXES, SERVICES],
        // Replies go to the asker's inbox, allowed by INBOXES. Not `allow_responses`: with an allow
        // list covering the replies, nats-server 2.9 never retires its per-request reply records
        // and scans all 4,096 of them on every delivery (measured: 60% fewer writes/s).
        subscribe: [`${p}.>`, INBOXES, SERVICES],
      };
  }
}

/** The `permissions: { ... }` value of a nats-server user entry. */
export function permissionsBlock(p: Permissions): string {
  const list = (subjects: string[]): string => `[${subjects.map((s) => JSON.stringify(s)).join(', ')}]`;
  return `{ publish: { allow: ${list(p.publish)} }, subscribe: { allow: ${list(p.subscribe)} } }`;
}

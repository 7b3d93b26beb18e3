// The null Keel (skeleton-node.ts) as a target of the side-by-side kit, so that its floor is measured
// in the same run as Keel and its peers. The driver must load TypeScript for the wire format:
//   NODE_OPTIONS=--import=$PWD/node_modules/tsx/dist/loader.mjs TARGETS="natskv ... $PWD/tools/floor/floor.mjs" \
//   EXTRA_EP_floor=127.0.0.1:<port> EXTRA_PIDFILE_floor=<pidfile> .../run-all.sh 3   (docs/performance.md)
// seqput, put64 and watch mean something (puts are batched per turn, as Keel's client does); the
// gets are answered from the leader's memory with no read protocol at all.
import { connect } from 'nats';
import { FloorClient } from './skeleton-client.ts';
import { SUBJECTS } from './skeleton-wire.ts';

export default async function createTarget({ endpoints }) {
  const servers = (endpoints?.length ? endpoints : ['127.0.0.1:4501']).map((s) => (s.includes('://') ? s : `nats://${s}`));
  const nc = await connect({ servers, name: 'floor-driver' });
  const client = new FloorClient(nc);
  return {
    name: 'floor',
    info: { connectedTo: servers.join(','), what: 'null Keel: Keel\'s NATS messages and O_DSYNC writes per put, no other work' },
    readModes: { strong: 'leader memory', relaxed: 'leader memory' },
    put: (key, value) => client.put(key, value),
    get: (key) => client.get(key),
    async watchPrefix(prefix, onEvent) {
      const sub = nc.subscribe(`${SUBJECTS.watchPrefix}${prefix}>`, {
        callback: (_err, msg) => onEvent(msg.subject.slice(SUBJECTS.watchPrefix.length), msg.data),
      });
      await nc.flush();
      return { async close() { sub.unsubscribe(); } };
    },
    async setup() { return {}; },
    async close() { await nc.close(); },
  };
}

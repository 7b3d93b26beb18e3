// Runs the placement controller beside a node: started when the node becomes the Raft leader,
// stopped when it loses leadership or stops. It talks to the cluster like any client, over the
// node's own NATS connection.
import type { Logger } from 'pino';
import { connect } from '../client/client.js';
import type { RunningNode } from '../node/index.js';
import { PlacementController } from '../placement/controller.js';

export async function attachPlacementController(running: RunningNode, cluster: string, logger: Logger): Promise<{ stop(): Promise<void> }> {
  const client = await connect({ nc: running.nc, cluster });
  const log = logger.child({ component: 'placement' });
  const controller = new PlacementController(client, {
    onPass: (s) => log.info(s, 'placement pass'),
    onError: (err) => log.warn({ err: err.message }, 'placement pass failed; retrying'),
  });
  let stopped = false;
  const follow = (isLeader: boolean): void => {
    if (stopped) return;
    if (isLeader) controller.start();
    else void controller.stop();
  };
  running.onLeaderChange(follow);
  follow(running.node.isLeader);
  return {
    async stop() {
      stopped = true;
      await controller.stop();
      await client.close();
    },
  };
}

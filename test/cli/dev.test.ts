// `keel dev`: nats-server + three nodes, usable at once, stopped cleanly on SIGTERM; clear messages
// when nats-server is missing or the port is taken.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN, runCli, spawnTs } from '../helpers/processes.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('keel dev runs a usable cluster, then SIGTERM stops the nodes and nats-server', async () => {
  const port = await freePort();
  const data = await mkdtemp(join(tmpdir(), 'keel-dev-'));
  const dev = spawnTs(CLI_MAIN, ['dev', '--port', String(port), '--data', data]);
  try {
    await dev.waitFor(/cluster "default" is up: nodes n1, n2, n3, leader n\d/, 30_000);
    assert.match(dev.output(), new RegExp(`npx keel put a 1 --servers nats://127.0.0.1:${port}`));
    const servers = `nats://127.0.0.1:${port}`;
    const put = await runCli(['--servers', servers, 'put', 'a', '1']);
    assert.is(put.stdout, 'OK\n', put.stderr);
    const status = await runCli(['--servers', servers, 'status', '--json']);
    const members = JSON.parse(status.stdout).members as { id: string; url: string; status: { pid: number } }[];
    const pids = members.map((m) => m.status.pid);
    assert.is(pids.length, 3);
    for (const m of members) {
      // keel dev printed each node's URL, status --json lists the same, and it serves the node's metrics.
      assert.match(m.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(dev.output().includes(`  ${m.id}  ${m.url}`), `keel dev printed ${m.id}'s URL`);
      assert.match(await (await fetch(`${m.url}/metrics`)).text(), /^keel_raft_term \d+$/m);
    }
    // keel dev runs NATS with permissions: the node identity may still ask the other members for the status page.
    const view = await (await fetch(`${members[0]!.url}/api/cluster`)).json() as { members: { id: string; reachable: boolean; error: string | null }[] };
    assert.equal(view.members.map((m) => [m.id, m.reachable, m.error]), [['n1', true, null], ['n2', true, null], ['n3', true, null]]);
    const again = await runCli(['dev', '--port', String(port), '--data', data]);
    assert.is(again.code, 1);
    assert.match(again.stderr, new RegExp(`^keel: Dev: port ${port} is already in use`));

    assert.is(await dev.stop('SIGTERM', 15_000), 0);
    assert.match(dev.output(), /stopping the nodes\.\.\.\n[^]*stopping nats-server\.\.\.\n[^]*stopped/);
    assert.equal(pids.filter(alive), [], 'every node process has exited');
    const after = await runCli(['--servers', servers, '--timeout', '300', 'get', 'a']);
    assert.match(after.stderr, /Unavailable: cannot connect to NATS/);
  } finally {
    await dev.stop('SIGKILL');
    await rm(data, { recursive: true, force: true });
  }
});

test('without nats-server on PATH, keel dev says how to install it', async () => {
  const r = await runCli(['dev', '--port', '1'], { env: { PATH: '/nonexistent' } });
  assert.is(r.code, 1);
  assert.is(r.stderr, 'keel: Dev: nats-server not found on PATH; install it with: apt-get install -y nats-server\n');
});

test.run();

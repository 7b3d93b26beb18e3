// bench:cost, run as the user runs it: a real 3-node cluster with nats-server's monitoring on, a
// closed-loop and an open-loop load, and per-process CPU and NATS messages per put in the table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('bench:cost reports CPU per put of every process and NATS messages per put, per load', async () => {
  const json = join(tmpdir(), `keel-bench-cost-${process.pid}.json`);
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'tools/bench-cost.ts'), '--loads', 'seq,300', '--seconds', '1', '--warmup', '100', '--json', json],
      { cwd: root, timeout: 90_000 }, (err, out, errOut) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: out, stderr: errOut }));
  });
  try {
    assert.is(code, 0, stderr);
    assert.match(stdout, /load\s+puts\/s\s+p50 ms\s+p99 ms\s+msgs\/put\s+client\s+nats-server/);
    assert.match(stdout, /\(leader\)/);
    const seq = /^seq\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)((?:\s+[\d.]+){6})$/m.exec(stdout);
    assert.ok(seq, stdout);
    // One put at a time: every put is its own batch, so it costs several NATS messages.
    assert.ok(Number(seq[4]) >= 4, `messages per sequential put: ${seq[4]}`);
    const results = (JSON.parse(await readFile(json, 'utf8')) as { results: { load: string; puts: number; natsMsgsPerPut: number; cpuUsPerPut: Record<string, number> }[] }).results;
    assert.equal(results.map((r) => r.load), ['seq', '300']);
    for (const r of results) {
      assert.ok(r.puts > 0);
      assert.is(Object.keys(r.cpuUsPerPut).length, 5, 'client, nats-server and three nodes');
      for (const us of Object.values(r.cpuUsPerPut)) assert.ok(us >= 0 && Number.isFinite(us));
    }
    assert.ok(results[1]!.puts >= 200, `open loop at 300/s for 1 s: ${results[1]!.puts} puts`);
  } finally {
    await rm(json, { force: true });
  }
});

test.run();

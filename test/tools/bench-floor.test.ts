// bench:floor, run as the user runs it: a real nats-server and the three null-Keel processes answer
// sequential and batched concurrent puts and deliver watch events, and the tool reports latency,
// throughput and server CPU per put.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'tools/bench-floor.ts'), ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('the null Keel answers sequential and batched puts and delivers watch events; the figures are reported', async () => {
  const { code, stdout, stderr } = await run(['--puts', '50']);
  assert.is(code, 0, stderr);
  const put = /seqput\s+p50 ([\d.]+) ms\s+p99 ([\d.]+) ms\s+server CPU ([\d.]+) ms\/put \(nats-server [\d.]+, leader [\d.]+, followers [\d.]+ and [\d.]+\)/.exec(stdout);
  assert.ok(put, stdout);
  assert.ok(Number(put[1]) > 0 && Number(put[1]) <= Number(put[2]), stdout);
  assert.match(stdout, /put64\s+\d+ puts\/s\s+p99 [\d.]+ ms\s+server CPU [\d.]+ ms\/put/);
  assert.match(stdout, /watch\s+p50 [\d.]+ ms\s+p99 [\d.]+ ms/);
  assert.match(stdout, /O_DSYNC writes/);
});

test.run();

// The inspect and verify tools, run as the user runs them (real processes, real Avro codec).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withTempDir } from './temp-dir.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, script), ...args], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('verify passes a sound log, names file, offset and index of a flipped bit, and flags a torn tail', () =>
  withTempDir(async (dir) => {
    assert.is((await run('test/log/fixtures/write-real-log.ts', [dir, '200'])).code, 0);
    const sound = await run('tools/verify.ts', [dir]);
    assert.is(sound.code, 0, sound.stdout + sound.stderr);
    assert.match(sound.stdout, 'indexes 1..200');

    // A torn tail: half a record after the end of the last segment.
    const report = JSON.parse((await run('tools/inspect.ts', [dir, '--json'])).stdout);
    const last = report.segments.at(-1);
    await appendFile(last.path, Buffer.from([40, 0, 0, 0, 1, 2, 3]));
    const torn = await run('tools/verify.ts', [join(dir, 'log')]);
    assert.is(torn.code, 2, torn.stdout);
    assert.match(torn.stdout, `TORN TAIL`);
    assert.match(torn.stdout, `${last.path} offset ${last.bytes} index 201`);
    const repaired = await run('tools/verify.ts', [dir, '--repair']);
    assert.is(repaired.code, 0, repaired.stdout + repaired.stderr);

    // A flipped bit inside the second record of the first (sealed) segment.
    const first = report.segments[0];
    const bytes = await readFile(first.path);
    const second = 32 + 8 + bytes.readUInt32LE(32);
    bytes[second + 8 + 2] ^= 0x04;
    await writeFile(first.path, bytes);
    const corrupt = await run('tools/verify.ts', [dir]);
    assert.is(corrupt.code, 1, corrupt.stdout);
    assert.match(corrupt.stdout, `CORRUPT: ${first.path} offset ${second} index 2: crc mismatch`);
  }));

test('inspect lists segments with index and term ranges and dumps decoded records', () =>
  withTempDir(async (dir) => {
    assert.is((await run('test/log/fixtures/write-real-log.ts', [dir, '120'])).code, 0);
    const report = JSON.parse((await run('tools/inspect.ts', [dir, '--json'])).stdout);
    assert.ok(report.segments.length > 1);
    assert.is(report.segments[0].firstIndex, 1);
    assert.is(report.segments.at(-1).lastIndex, 120);
    assert.is(report.segments.at(-1).maxTerm, 3);
    assert.equal(report.problems, []);
    const table = await run('tools/inspect.ts', [dir]);
    assert.match(table.stdout, /00000000000000000001\.seg\s+1\.\.\d+\s+1\.\.\d/);
    assert.match(table.stdout, 'total: ');
    const dump = await run('tools/inspect.ts', [dir, '--from', '49', '--to', '50']);
    const lines = dump.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(lines.map((l) => [l.index, l.term, l.command.op.key, l.command.op.value]), [[49, 1, '/k/49', 'v49'], [50, 2, '/k/50', 'v50']]);
    // A config entry decodes as what the runtime writes (the Raft core's record), not as an error.
    const config = JSON.parse((await run('tools/inspect.ts', [dir, '--from', '60', '--to', '60'])).stdout.trim());
    assert.is(config.type, 'config');
    assert.is(config.decodeError, undefined);
    assert.equal(config.confChange, { change: { type: 'addLearner', node: 'n4' }, conf: { voters: ['n1', 'n2', 'n3'], learners: ['n4'] } });
    // A batch entry lists its commands in the order they apply.
    const batch = JSON.parse((await run('tools/inspect.ts', [dir, '--from', '70', '--to', '70'])).stdout.trim());
    assert.equal(batch.commands.map((c: { op: { key: string } }) => c.op.key), ['/k/70a', '/k/70b']);
  }));

test.run();

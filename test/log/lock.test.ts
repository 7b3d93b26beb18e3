import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogLockedError, SegmentedLog } from '../../src/log/index.js';
import { testCodecV1 } from './test-codec.js';
import { withTempDir } from './temp-dir.js';
import { rejectsWith } from './rejects.js';

const fixture = fileURLToPath(new URL('./fixtures/open-log.ts', import.meta.url));

function startOpener(dir: string): { child: ChildProcess; firstLine: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('\n')) resolve(output.split('\n')[0]!);
    });
    child.on('exit', () => reject(new Error(`opener exited without a line; output: ${output}`)));
  });
  firstLine.catch(() => {});
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, firstLine, exit };
}

test('a second process cannot open a locked directory, and is told the holder pid', () =>
  withTempDir(async (dir) => {
    const log = await SegmentedLog.open(dir, { codec: testCodecV1 });
    const second = startOpener(dir);
    const line = await second.firstLine;
    assert.is(await second.exit, 3);
    assert.match(line, 'failed LogLockedError');
    assert.match(line, `pid=${process.pid}`);
    assert.match(line, join(dir, 'LOCK'));
    await log.close();
  }));

test('a directory locked by another process refuses us until that process ends', () =>
  withTempDir(async (dir) => {
    const holder = startOpener(dir);
    try {
      assert.is(await holder.firstLine, `opened ${holder.child.pid}`);
      const err = await rejectsWith(() => SegmentedLog.open(dir, { codec: testCodecV1 }), LogLockedError);
      assert.is(err.holderPid, holder.child.pid);
      assert.match(err.message, `pid ${holder.child.pid}`);
    } finally {
      holder.child.stdin!.end();
      await holder.exit;
    }
    const log = await SegmentedLog.open(dir, { codec: testCodecV1 });
    await log.close();
  }));

test('close releases the lock for the next opener in the same process', () =>
  withTempDir(async (dir) => {
    const first = await SegmentedLog.open(dir, { codec: testCodecV1 });
    await rejectsWith(() => SegmentedLog.open(dir, { codec: testCodecV1 }), LogLockedError);
    await first.close();
    const second = await SegmentedLog.open(dir, { codec: testCodecV1 });
    await second.close();
  }));

test.run();

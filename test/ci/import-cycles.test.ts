// `npm run check:cycles` (run by .ci/run): madge with the project's .madgerc. Proves it passes on
// src/ and fails on a cycle written the way src/ writes imports (`.js` specifiers, type-only imports).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const madge = join(root, 'node_modules/madge/bin/cli.js');

function checkCycles(dir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // cwd = the project root, so the project's .madgerc applies exactly as in `npm run check:cycles`.
    execFile(process.execPath, [madge, '--circular', '--no-spinner', dir], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

test('src/ has no import cycle', async () => {
  const r = await checkCycles('src');
  assert.is(r.code, 0, r.output);
});

test('a cycle through a type-only import with .js specifiers fails the check and is named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'keel-cycles-'));
  try {
    await writeFile(join(dir, 'client.ts'), "import { list } from './registry.js';\nexport class Client { list = list; }\n");
    await writeFile(join(dir, 'registry.ts'), "import type { Client } from './client.js';\nexport const list = (c?: Client) => c;\n");
    await writeFile(join(dir, 'leaf.ts'), 'export const x = 1;\n');
    const r = await checkCycles(dir);
    assert.is(r.code, 1, r.output);
    assert.match(r.output.replace(/\x1b\[[0-9;]*m/g, ''), /(client\.ts > registry\.ts|registry\.ts > client\.ts)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();

// The status page in a real headless browser (Debian's chromium driven by playwright-core, which never
// downloads a browser of its own) against a real 3-node cluster: it shows the three members and the
// leader, and follows a new leader when the leader is killed. Screenshots go to test-artifacts/.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../../src/node/local-cluster.js';
import { useCluster, type SharedCluster } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';

// The page functions below run in the browser; this file is compiled without the DOM library.
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & { length: number };
};
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

const test = suite('status page in headless chromium');
let shared!: SharedCluster;
useCluster(test, { nodeArgs: ['--metrics-addr', '127.0.0.1:0'] }, (s) => { shared = s; });

let browser: BrowserContext | null = null;
let profile = '';
test.before(async () => {
  // A fresh profile each run (playwright passes it as --user-data-dir).
  profile = await mkdtemp(path.join(tmpdir(), 'keel-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
});
test.after(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot: ${file}`);
}

/** The ids in the members table and the leader the page shows. */
async function shown(page: Page): Promise<{ members: string[]; leader: string; roles: Record<string, string> }> {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll('#members tr[data-member]')];
    return {
      members: rows.map((r) => r.getAttribute('data-member') ?? ''),
      leader: document.getElementById('leader')?.getAttribute('data-leader') ?? '',
      roles: Object.fromEntries(rows.map((r) => [r.getAttribute('data-member') ?? '', r.getAttribute('data-role') ?? ''])),
    };
  });
}

test('shows three members and the leader, then the new leader after the leader is killed', async () => {
  const { client, cluster } = shared;
  for (let i = 0; i < 20; i++) await client.put(`page/${i}`, String(i));
  const status = await client.clusterStatus();
  const leader = status.leader;
  // Open the page of a follower: it must outlive the leader.
  const follower = status.members.find((m) => m.id !== leader)!;
  const url = follower.status!.metricsUrl;
  assert.ok(url, 'the follower advertises its URL');

  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction((id) => {
    const rows = document.querySelectorAll('#members tr[data-member]');
    const ready = [...rows].filter((r) => r.querySelector('.ok'));
    return rows.length === 3 && ready.length === 3 && document.getElementById('leader')?.getAttribute('data-leader') === id;
  }, leader, { timeout: 20_000 });
  // Rates need two samples with writes between them: keep writing until the page shows a put rate.
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) await client.put(`page/${i % 20}`, String(i));
  })();
  try {
    await page.waitForFunction(() => {
      const rate = document.querySelector('#requests tr[data-op="put"] td.num')?.textContent ?? '';
      return Number(rate) > 0;
    }, undefined, { timeout: 15_000 });
  } finally {
    writing = false;
    await writer;
  }
  const before = await shown(page);
  assert.equal(before.members.sort(), ['n1', 'n2', 'n3']);
  assert.is(before.leader, leader);
  assert.is(before.roles[leader], 'leader');
  assert.match(await page.textContent('#served-by') ?? '', follower.id);
  await screenshot(page, 'status-page.png');

  cluster.nodes.get(leader)!.child.kill('SIGKILL');
  await page.waitForFunction((old) => {
    const now = document.getElementById('leader')?.getAttribute('data-leader') ?? '';
    const oldRow = document.querySelector(`#members tr[data-member="${old}"]`);
    return now !== '' && now !== old && oldRow?.getAttribute('data-role') === 'unreachable';
  }, leader, { timeout: 30_000 });
  const after = await shown(page);
  assert.is.not(after.leader, leader);
  assert.is(after.roles[after.leader], 'leader');
  assert.is(after.roles[leader], 'unreachable');
  await page.waitForFunction(() => document.querySelectorAll('#changes tr').length >= 2, undefined, { timeout: 10_000 });
  await screenshot(page, 'status-page-after-leader-killed.png');
  assert.equal(errors, [], 'no script errors on the page');
  await page.close();
});

test.run();

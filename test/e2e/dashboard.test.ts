// The dashboard in a real headless Chromium against a real `cairn serve`: log in, see the job, run it now and watch
// it finish, watch a slow run's live progress and cancel it, browse the new snapshot (preview, download and compare
// bytes), restore a folder (the dry run names what would be overwritten) and check it on disk, compare two
// snapshots, check the repository, read the settings, switch to Chinese and to the dark theme; and the embedded
// default config without a login. The page runs under the daemon's CSP. Screenshots go to test-artifacts/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from '../harness/chromium.js';
import { chromiumMissing, launchChromium, screenshot } from '../harness/chromium.js';
import { cairn, randomData, Sandbox } from '../harness/cli.js';
import type { Served } from '../harness/daemon.js';
import { serveDaemon } from '../harness/daemon.js';

// Only for the functions that run in the page (this project's type check has no DOM library).
declare const document: { querySelector(selector: string): { naturalWidth: number } | null };

const missing = chromiumMissing();
/** Retries a read of the page until it matches (the daemon's first answers can take a few seconds on a busy machine). */
const poll = <T>(fn: () => Promise<T>): ReturnType<typeof expect.poll<T>> =>
  expect.poll(fn, { timeout: 15_000 });
const PASSWORD = 'correct horse battery staple';
// A 1×1 PNG, to preview an image from the snapshot.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe.skipIf(missing !== undefined)(
  `dashboard in Chromium${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const sb = new Sandbox();
    const src = sb.path('src');
    let served: Served;
    let browser: Browser;
    let page: Page;
    let step = 0;
    const shot = async (name: string): Promise<void> => {
      await screenshot(page, `dashboard-${String(++step).padStart(2, '0')}-${name}`);
    };
    const testId = (id: string): ReturnType<Page['getByTestId']> => page.getByTestId(id);

    beforeAll(async () => {
      sb.write('src/docs/readme.txt', 'Hello from the snapshot\n');
      sb.write('src/docs/notes.md', '# Notes\nkept safe\n');
      sb.write('src/docs/deep/inner.txt', 'inner file\n');
      sb.write('src/photo.png', PNG);
      sb.write('src/data.bin', randomData(200_000, 7));
      // A source that takes its time: 100 KB every 0.3 s for about 15 s (the test cancels it well before).
      sb.write(
        'slow.sh',
        '#!/bin/sh\nfor i in $(seq 1 50); do head -c 100000 /dev/urandom; sleep 0.3; done\n',
        0o755,
      );
      fs.mkdirSync(sb.path('restore'));
      const hashed = await cairn(sb, ['hash-password'], { input: `${PASSWORD}\n` });
      expect(hashed.code, hashed.stderr).toBe(0);
      sb.write('pw', 'repo-password\n', 0o600);
      const cfg = sb.write(
        'cairn.yaml',
        `data_dir: ./data
server:
  listen: "127.0.0.1:0"
  users: [{ name: alice, password_hash: "${hashed.stdout.trim()}" }]
  restore_roots: [${sb.path('restore')}]
repositories:
  local: { url: ${sb.path('repo')}, password_file: ${sb.path('pw')}, create: true }
jobs:
  files:
    description: the e2e job
    sources: [${src}]
    schedule: { cron: "0 0 3 * * *" }
    repositories: [{ name: local }]
  slow:
    description: a slow source, to be watched and cancelled
    sources: ["command:${sb.path('slow.sh')}"]
    schedule: { cron: "0 0 3 * * *" }
    repositories: [{ name: local }]
`,
        0o600,
      );
      [served, browser] = await Promise.all([serveDaemon(sb, cfg, {}), launchChromium()]);
      page = await browser.context.newPage();
      page.setDefaultTimeout(15_000);
    });

    afterAll(async () => {
      await browser?.close();
      served?.child.kill('SIGTERM');
      await served?.exited;
      sb.cleanup();
    });

    it('asks for a login, refuses a wrong password and shows the job after the right one', async () => {
      await page.goto(served.url);
      await testId('login-form').waitFor();
      await shot('login');
      await testId('login-user').fill('alice');
      await testId('login-password').fill('wrong password');
      await testId('login-submit').click();
      await poll(() => testId('login-error').textContent()).toMatch(/./);
      await testId('login-password').fill(PASSWORD);
      await testId('login-submit').click();
      const row = page.locator('[data-testid=job-row][data-job=files]');
      await row.waitFor();
      await poll(() => row.getByTestId('job-status').getAttribute('data-status')).toBe('never');
      await shot('overview-before-run');
    });

    it('runs the job now and watches it finish', async () => {
      await page.locator('[data-testid=job-row][data-job=files] a').first().click();
      await testId('job-page').waitFor();
      await testId('run-now').click();
      await page
        .locator('[data-testid=job-page] [data-testid=job-status][data-status=ok]')
        .waitFor({ timeout: 40_000 });
      await page
        .locator('[data-testid=run-panel] [data-testid=run-outcome][data-outcome=succeeded]')
        .first()
        .waitFor();
      await poll(() => testId('run-log').textContent()).toMatch(/\S/);
      await shot('job-finished');
    });

    it("shows a slow run's live progress with rate and ETA, and cancels it", async () => {
      await testId('nav-overview').click();
      await page.locator('[data-testid=job-row][data-job=slow] a').first().click();
      await testId('run-now').click();
      await testId('progress').waitFor({ timeout: 30_000 });
      await poll(() => testId('progress').textContent()).toMatch(/Rate: [\d.]+ \S+\/s/);
      await shot('job-progress');
      await testId('cancel-run').click();
      await page
        .locator('[data-testid=run-row][data-kind=backup] [data-outcome=cancelled]')
        .waitFor({ timeout: 30_000 });
      await testId('nav-overview').click();
    });

    it('browses the new snapshot, previews a text file and an image, downloads a file and the folder as tar', async () => {
      await testId('nav-snapshots').click();
      await testId('snapshot-row').first().waitFor();
      expect(await testId('snapshot-row').count()).toBe(1);
      await shot('snapshots');
      await testId('browse-snapshot').click();
      // From the root down to the backed-up folder, one click per folder.
      for (const part of src.split('/').filter(Boolean)) await openEntry(page, part);
      await openEntry(page, 'docs');
      await openEntry(page, 'readme.txt');
      await poll(() => testId('preview-text').textContent()).toBe('Hello from the snapshot\n');
      await shot('browser-preview-text');
      await page.goBack();
      await openEntry(page, 'photo.png');
      await testId('preview-image').waitFor();
      // The image decoded (served from the snapshot with an image type): its natural width is the PNG's.
      await page.waitForFunction(
        () => document.querySelector('[data-testid=preview-image]')?.naturalWidth === 1,
      );
      await openEntry(page, 'data.bin');
      const [download] = await Promise.all([page.waitForEvent('download'), testId('download-file').click()]);
      const saved = path.join(browser.downloads, 'data.bin');
      await download.saveAs(saved);
      expect(fs.readFileSync(saved).equals(fs.readFileSync(path.join(src, 'data.bin')))).toBe(true);
      await shot('browser-download');
      // The whole folder as a tar: names relative to it, contents as backed up.
      const [tar] = await Promise.all([page.waitForEvent('download'), testId('download-tar').click()]);
      const tarFile = path.join(browser.downloads, 'src.tar');
      await tar.saveAs(tarFile);
      const out = sb.path('untarred');
      fs.mkdirSync(out);
      expect(spawnSync('tar', ['-xf', tarFile, '-C', out]).status).toBe(0);
      expect(fs.readFileSync(path.join(out, 'docs/readme.txt'), 'utf8')).toBe('Hello from the snapshot\n');
      expect(
        fs.readFileSync(path.join(out, 'data.bin')).equals(fs.readFileSync(path.join(src, 'data.bin'))),
      ).toBe(true);
    });

    it('restores a folder to a path after a dry run that names what it would overwrite', async () => {
      const target = sb.path('restore/out');
      await restoreDocs(page, target);
      await expect
        .poll(() => testId('restore-plan').textContent())
        .toContain('No existing file will be overwritten');
      await shot('restore-plan');
      await testId('restore-confirm').click();
      await page
        .locator('[data-testid=restore-dialog] [data-testid=run-outcome][data-outcome=succeeded]')
        .waitFor({
          timeout: 30_000,
        });
      await shot('restore-done');
      const restored = findFile(target, 'readme.txt');
      expect(restored, 'readme.txt restored below the target').toBeDefined();
      expect(fs.readFileSync(restored!, 'utf8')).toBe('Hello from the snapshot\n');
      expect(fs.readFileSync(path.join(path.dirname(restored!), 'deep/inner.txt'), 'utf8')).toBe(
        'inner file\n',
      );
      await testId('restore-close').click();

      // Again into the same folder: the confirmation lists the files it would replace.
      fs.writeFileSync(restored!, 'changed since\n');
      await restoreDocs(page, target, true);
      const plan = (await testId('restore-plan').textContent()) ?? '';
      expect(plan).toMatch(/3 existing files will be overwritten/);
      expect(plan).toContain(restored!);
      await shot('restore-overwrite-plan');
      await testId('restore-confirm').click();
      await page
        .locator('[data-testid=restore-dialog] [data-testid=run-outcome][data-outcome=succeeded]')
        .waitFor({
          timeout: 30_000,
        });
      expect(fs.readFileSync(restored!, 'utf8')).toBe('Hello from the snapshot\n');
      await testId('restore-close').click();
    });

    it('runs the job again and compares the two snapshots', async () => {
      fs.writeFileSync(path.join(src, 'docs/notes.md'), '# Notes\nchanged\n');
      fs.writeFileSync(path.join(src, 'new.txt'), 'new\n');
      await testId('nav-overview').click();
      await page.locator('[data-testid=job-row][data-job=files] a').first().click();
      await testId('run-now').click();
      await page
        .locator('[data-testid=run-row][data-kind=backup] [data-outcome=succeeded]')
        .nth(1)
        .waitFor({ timeout: 40_000 });
      await testId('nav-snapshots').click();
      await poll(() => testId('snapshot-row').count()).toBe(2);
      await testId('snapshot-pick').nth(0).check();
      await testId('snapshot-pick').nth(1).check();
      await testId('compare').click();
      const change = (kind: string, file: string): ReturnType<Page['locator']> =>
        page.locator(`[data-testid=diff-change][data-change=${kind}][data-path="${path.join(src, file)}"]`);
      await change('added', 'new.txt').waitFor();
      await change('modified', 'docs/notes.md').waitFor();
      await shot('snapshots-diff');
    });

    it('checks the repository from the Repositories page and shows the effective config', async () => {
      await testId('nav-repositories').click();
      await testId('repo-check').click();
      await page
        .locator('[data-testid=repositories-page] [data-testid=run-panel] [data-outcome=succeeded]')
        .first()
        .waitFor({ timeout: 30_000 });
      await shot('repository-check');
      await testId('nav-settings').click();
      await poll(() => testId('config').textContent()).toContain('the e2e job');
      await shot('settings');
    });

    it('switches to Chinese, keeps the choice over a reload, and back', async () => {
      await testId('lang-switch').selectOption('zh');
      await poll(() => testId('nav-overview').textContent()).toBe('概览');
      await poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN');
      await testId('nav-overview').click();
      await page.locator('[data-testid=job-row][data-job=files] [data-testid=job-status]').waitFor();
      await expect
        .poll(() =>
          page.locator('[data-testid=job-row][data-job=files] [data-testid=job-status]').textContent(),
        )
        .toBe('正常');
      await page.reload();
      await poll(() => testId('overview-banner').textContent()).toContain('个任务正常');
      await shot('overview-chinese');
      await testId('theme-switch').click();
      await poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
      await shot('overview-chinese-dark');
      await testId('lang-switch').selectOption('en');
      await poll(() => testId('nav-overview').textContent()).toBe('Overview');
    });
  },
);

describe.skipIf(missing !== undefined)('the embedded default config in Chromium', () => {
  const sb = new Sandbox();
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    sb.write('mine/notes.txt', 'notes\n');
    [served, browser] = await Promise.all([
      serveDaemon(sb, ['--source', sb.path('mine'), '--listen', '127.0.0.1:0'], {}),
      // A browser set to Chinese and a dark system theme: the dashboard starts in both.
      launchChromium({ locale: 'zh-CN', colorScheme: 'dark' }),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    served?.child.kill('SIGTERM');
    await served?.exited;
    sb.cleanup();
  });

  it("opens at the URL the daemon prints without a login, in the browser's language and theme, and shows the sample job succeed", async () => {
    const page = await browser.context.newPage();
    await page.goto(served.url);
    await page
      .locator('[data-testid=job-row][data-job=sample] [data-testid=job-status][data-status=ok]')
      .waitFor({
        timeout: 40_000,
      });
    expect(await page.getByTestId('login-form').count()).toBe(0);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    expect(
      await page.locator('[data-testid=job-row][data-job=sample] [data-testid=job-status]').textContent(),
    ).toBe('正常');
    await screenshot(page, 'dashboard-default-config');
  });
});

/** Clicks a folder or file of the current listing by name (a folder then shows its own listing). */
async function openEntry(page: Page, name: string): Promise<void> {
  const entry = page.locator(`[data-testid=tree-entry][data-name="${name}"]`);
  const type = await entry.getAttribute('data-type');
  await entry.getByTestId('tree-open').click();
  // A folder's listing replaces this one: wait until it is loaded.
  if (type === 'dir') await page.locator(`[data-testid=browser][data-path$="/${name}"]`).waitFor();
}

/** In the backed-up folder's listing: select docs/, open the restore dialog, ask for the dry run. */
async function restoreDocs(page: Page, target: string, overwrite = false): Promise<void> {
  const docs = page.locator('[data-testid=tree-entry][data-name=docs] [data-testid=tree-select]');
  if (!(await docs.isChecked())) await docs.check();
  await page.getByTestId('restore-open').click();
  await page.getByTestId('restore-target').fill(target);
  if (overwrite) await page.getByTestId('restore-overwrite').check();
  await page.getByTestId('restore-check').click();
  await page.getByTestId('restore-plan').waitFor();
}

function findFile(dir: string, name: string): string | undefined {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name === name) return p;
    if (e.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    }
  }
  return undefined;
}

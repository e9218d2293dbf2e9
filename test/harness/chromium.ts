// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the dashboard's end-to-end tests.
// Missing Chromium: the tests are skipped with a reason on a developer's machine, and fail with CI set (as restic.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { ROOT } from './cli.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/** Why the browser tests cannot run here, or undefined when they can (in CI a missing Chromium is an error). */
export function chromiumMissing(): string | undefined {
  if (fs.existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} is missing (apt-get install chromium, or scripts/install-test-deps.sh as root)`;
  if (process.env.CI) throw new Error(`${why}: CI must run the browser tests`);
  return why;
}

export interface Browser {
  context: BrowserContext;
  downloads: string;
  close(): Promise<void>;
}

/** A fresh headless Chromium with its own empty profile; downloads land in a temp folder. */
export async function launchChromium(
  opts: { locale?: string; colorScheme?: 'light' | 'dark' } = {},
): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-chromium-'));
  const downloads = path.join(profile, 'downloads');
  fs.mkdirSync(downloads);
  const context = await chromium.launchPersistentContext(path.join(profile, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    // Without the background-networking flags Chromium keeps dialing Google's hosts, which this network refuses.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    acceptDownloads: true,
    downloadsPath: downloads,
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
    viewport: { width: 1280, height: 860 },
  });
  return {
    context,
    downloads,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** Saves a full-page screenshot as test-artifacts/<name>.png (CI keeps the folder). */
export async function screenshot(page: import('playwright-core').Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

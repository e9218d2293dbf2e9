// The dashboard restores a database dump back into its source: a job backs up mysql://…/shop from a MariaDB
// server; after changes to the tables, the snapshot browser selects /mysql/shop.sql, the dry run of a restore to
// the job's source names the database and the tables it would replace, the restore is refused without overwrite and
// done with it, and CHECKSUM TABLE of every table of the dump matches the one before. Open mode (no login).
// Needs `npm run build && npm run build:web`. Screenshots go to test-artifacts/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from '../harness/chromium.js';
import { chromiumMissing, launchChromium, screenshot } from '../harness/chromium.js';
import { Sandbox } from '../harness/cli.js';
import type { Served } from '../harness/daemon.js';
import { serveDaemon } from '../harness/daemon.js';
import type { MariaDb } from '../harness/mariadb.js';
import { haveMariaDb, startMariaDb } from '../harness/mariadb.js';

const missing = chromiumMissing() ?? (haveMariaDb() ? undefined : 'mariadb-server is not installed');

describe.skipIf(missing !== undefined)(
  `dashboard restore into a database${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const sb = new Sandbox();
    let db: MariaDb;
    let served: Served;
    let browser: Browser;
    let page: Page;
    const testId = (id: string): ReturnType<Page['getByTestId']> => page.getByTestId(id);

    beforeAll(async () => {
      [db, browser] = await Promise.all([startMariaDb(), launchChromium()]);
      db.sql(`CREATE DATABASE shop;
USE shop;
CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50) CHARACTER SET utf8mb4, price DECIMAL(8,2), img BLOB);
INSERT INTO items VALUES (1, 'tea 茶', 3.50, UNHEX('00FF10')), (2, 'it''s "quoted"', 12.00, NULL), (3, 'line\\nbreak', 0.99, '');
CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, item INT, at DATETIME);
INSERT INTO orders (item, at) VALUES (1, '2026-12-01 10:00:00'), (3, '2026-12-02 11:30:00');`);
      const dbPw = sb.write('db.pw', `${db.password}\n`, 0o600);
      sb.write('pw', 'repo-password\n', 0o600);
      const cfg = sb.write(
        'cairn.yaml',
        `data_dir: ./data
repositories:
  local: { url: ${sb.path('repo')}, password_file: ${sb.path('pw')}, create: true }
jobs:
  shop:
    sources: ["mysql://${db.user}@${db.host}:${db.port}/shop?password-file=${dbPw}"]
    schedule: { cron: "0 0 3 * * *" }
    repositories: [{ name: local }]
`,
        0o600,
      );
      served = await serveDaemon(sb, cfg, {});
      page = await browser.context.newPage();
      page.setDefaultTimeout(15_000);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      served?.child.kill('SIGTERM');
      await served?.exited;
      await db?.stop();
      sb.cleanup();
    });

    it('backs up the database, restores its dump from the snapshot browser into the source, tables equal', async () => {
      const before = db.checksums('shop');
      expect(Object.keys(before).sort()).toEqual(['items', 'orders']);
      await page.goto(served.url);
      await page.locator('[data-testid=job-row][data-job=shop] a').first().click();
      await testId('run-now').click();
      await page
        .locator('[data-testid=job-page] [data-testid=job-status][data-status=ok]')
        .waitFor({ timeout: 40_000 });

      // Changed since the backup, and a table the dump does not hold (it stays).
      db.sql(
        "UPDATE items SET price = 0; DELETE FROM orders; CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('kept');",
        'shop',
      );
      expect(db.checksums('shop').items).not.toBe(before.items);
      await testId('nav-snapshots').click();
      await testId('browse-snapshot').first().click();
      await page.locator('[data-testid=tree-entry][data-name=mysql] [data-testid=tree-open]').click();
      await page.locator('[data-testid=browser][data-path="/mysql"]').waitFor();
      await page.locator('[data-testid=tree-entry][data-name="shop.sql"] [data-testid=tree-select]').check();
      await testId('restore-open').click();
      await testId('restore-kind-source').check();
      await testId('restore-check').click();
      // The dry run names the job's source (without its password) and the tables there now.
      await expect
        .poll(() => testId('restore-plan').textContent())
        .toContain(`Loads the dump into mysql://${db.user}@${db.host}:${db.port}/shop`);
      const plan = (await testId('restore-plan').textContent()) ?? '';
      expect(plan).toContain(
        'The database holds 3 tables already: those in the dump are replaced, the others stay',
      );
      for (const table of ['items', 'notes', 'orders']) expect(plan).toContain(table);
      // Without overwrite the restore is refused, and nothing changed.
      await testId('restore-confirm').click();
      await expect
        .poll(() => page.getByTestId('restore-dialog').textContent())
        .toMatch(/holds 3 tables already/);
      expect(db.sql('SELECT price FROM items WHERE id = 1;', 'shop')).toBe('0.00\n');
      await testId('restore-overwrite').check();
      await testId('restore-check').click();
      await testId('restore-plan').waitFor();
      await screenshot(page, 'dashboard-db-restore-plan');
      await testId('restore-confirm').click();
      await page
        .locator('[data-testid=restore-dialog] [data-testid=run-outcome][data-outcome=succeeded]')
        .waitFor({ timeout: 30_000 });
      await screenshot(page, 'dashboard-db-restore-done');
      const after = db.checksums('shop');
      expect({ items: after.items, orders: after.orders }).toEqual(before);
      expect(db.sql('SELECT t FROM notes;', 'shop')).toBe('kept\n');
      expect(db.sql('SELECT name FROM items WHERE id = 1;', 'shop')).toBe('tea 茶\n');
    }, 90_000);
  },
);

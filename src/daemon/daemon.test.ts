import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DaemonEvent } from '../api/index.js';
import { parseConfig } from '../config/index.js';
import { createLogger, Daemon } from './index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-daemon-'));
  fs.mkdirSync(path.join(dir, 'src'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const quiet = (): ReturnType<typeof createLogger> =>
  createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));

function daemon(yaml: string, events: DaemonEvent[]): Daemon {
  const file = path.join(dir, 'cairn.yaml');
  const config = parseConfig(yaml, file, {});
  const d = new Daemon({
    loaded: { file, config },
    dataDir: path.join(dir, 'data'),
    logger: quiet(),
    backupWorkers: 0,
    onEvent: (e) => events.push(e),
  });
  d.open({ exclusive: true });
  return d;
}

const config = (extra = ''): string => `
repositories:
  local: { url: ${dir}/repo, password: pw, create: true }
jobs:
  j:
    sources: [${dir}/src]
    schedule: { every: 1h }
    repositories: [local]
    size_drop_percent: 50
    notify: [ops]
notifications:
  channels:
    ops: { type: webhook, url: "http://127.0.0.1:9/hook" }
${extra}`;

async function runOnce(d: Daemon): Promise<number> {
  const id = await d.trigger('j', 'backup', 'manual')!;
  await d.idle();
  return id;
}

describe('Daemon', () => {
  it('records runs, warns about a sharp size drop, and reports a failure with its routes', async () => {
    const events: DaemonEvent[] = [];
    const d = daemon(config(), events);
    try {
      fs.writeFileSync(path.join(dir, 'src/big'), Buffer.alloc(200_000, 7));
      const first = await runOnce(d);
      expect(d.runs.get(first)).toMatchObject({
        error: null,
        outcome: 'succeeded',
        files: 1,
        bytesTotal: 200_000,
      });
      fs.writeFileSync(path.join(dir, 'src/big'), Buffer.alloc(1000, 7));
      await runOnce(d);
      expect(events.find((e) => e.type === 'size-drop')).toMatchObject({
        job: 'j',
        bytes: 1000,
        previousAverage: 200_000,
        routes: ['ops'],
      });
      fs.rmSync(path.join(dir, 'src'), { recursive: true });
      const failed = await runOnce(d);
      expect(d.runs.get(failed)?.outcome).toBe('failed');
      expect(events.filter((e) => e.type === 'run-failed')).toEqual([
        expect.objectContaining({
          runId: failed,
          partial: false,
          error: expect.stringContaining('does not exist') as unknown,
        }),
      ]);
      expect(events.map((e) => e.type).filter((t) => t === 'run-started')).toHaveLength(3);
    } finally {
      await d.stop();
    }
  });

  it('skips a run that is due while the job runs, and records the skip', async () => {
    const events: DaemonEvent[] = [];
    const d = daemon(config(), events);
    try {
      fs.writeFileSync(path.join(dir, 'src/a'), 'a');
      const id = d.trigger('j', 'backup', 'manual');
      expect(d.trigger('j', 'backup', 'schedule')).toBeUndefined();
      await id;
      await d.idle();
      const outcomes = d.runs.runs('j').map((r) => r.outcome);
      expect(outcomes.sort()).toEqual(['skipped', 'succeeded']);
    } finally {
      await d.stop();
    }
  });

  it('runs the hooks around the backup; a failing before-hook fails the run, after-hooks still run', async () => {
    const events: DaemonEvent[] = [];
    const trace = path.join(dir, 'trace');
    const hooks = `    hooks:\n      before: ["echo before $CAIRN_JOB >> ${trace}", "test ! -e ${dir}/stop"]\n      after: ["echo after $CAIRN_OUTCOME >> ${trace}"]\n`;
    const d = daemon(config().replace('    notify: [ops]\n', `    notify: [ops]\n${hooks}`), events);
    try {
      fs.writeFileSync(path.join(dir, 'src/a'), 'a');
      expect(d.runs.get(await runOnce(d))?.outcome).toBe('succeeded');
      fs.writeFileSync(path.join(dir, 'stop'), '');
      const failed = d.runs.get(await runOnce(d));
      expect(failed).toMatchObject({
        outcome: 'failed',
        error: `The hook "test ! -e ${dir}/stop" exited with status 1.`,
      });
      expect(fs.readFileSync(trace, 'utf8')).toBe('before j\nafter succeeded\nbefore j\nafter failed\n');
    } finally {
      await d.stop();
    }
  });

  it.each([
    ['run-once', ['catch-up']],
    ['skip', []],
  ])('with catch_up %s, a run missed while down is run once at start (or not)', async (policy, expected) => {
    const events: DaemonEvent[] = [];
    fs.writeFileSync(path.join(dir, 'src/a'), 'a');
    const d = daemon(config().replace('{ every: 1h }', `{ every: 1h, catch_up: ${policy} }`), events);
    try {
      const old = d.runs.start({
        job: 'j',
        kind: 'backup',
        trigger: 'schedule',
        at: Date.now() - 2 * 3_600_000,
      });
      d.runs.end(old, { outcome: 'succeeded', at: Date.now() - 2 * 3_600_000 + 1000 });
      d.schedule();
      await d.idle();
      expect(
        d.runs
          .runs('j')
          .filter((r) => r.id !== old)
          .map((r) => r.trigger),
      ).toEqual(expected);
      expect(d.nextRunAt('j')).toBeGreaterThan(Date.now() + 3_500_000);
    } finally {
      await d.stop();
    }
  });

  it("fires the dead-man's switch once when no backup succeeded in time", async () => {
    const events: DaemonEvent[] = [];
    const d = daemon(config().replace('size_drop_percent: 50', 'expect_success_within: 1s'), events);
    try {
      d.schedule();
      await new Promise((r) => setTimeout(r, 1300));
      d.checkOverdue();
      d.checkOverdue();
      expect(events.filter((e) => e.type === 'job-overdue')).toEqual([
        expect.objectContaining({ job: 'j', kind: 'backup', lastSuccessAt: null, expectedWithinSeconds: 1 }),
      ]);
      expect(d.isOverdue('j')).toBe(true);
      fs.writeFileSync(path.join(dir, 'src/a'), 'a');
      const id = await runOnce(d);
      expect(d.isOverdue('j')).toBe(false);
      expect(events.filter((e) => e.type === 'recovered')).toEqual([
        expect.objectContaining({ job: 'j', kind: 'backup', runId: id }),
      ]);
    } finally {
      await d.stop();
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DaemonEvent } from '../api/index.js';
import { parseConfig } from '../config/index.js';
import { renderMessage } from '../notify/index.js';
import { HttpReceiver } from '../notify/testing/index.js';
import { EventNotifier, toNotifyEvent } from './notify-events.js';
import { createLogger } from './run-log.js';
import { Daemon } from './daemon.js';

const config = parseConfig(
  `repositories:
  local: { url: "rest:https://backup:url-pw@nas:8000/site", password: pw }
  offsite: { url: "s3:https://minio:9000/bucket", password: pw }
jobs:
  site:
    sources: [/srv/site]
    schedule: { every: 6h }
    repositories: [local, offsite]
    drill: { schedule: { every: 24h }, repository: offsite }
    expect_success_within: 26h
`,
  'c.yaml',
  {},
);
const at = '2026-12-06T02:00:04.000Z';
const common = { job: 'site', at, routes: [] };

describe('toNotifyEvent', () => {
  it('names the repository a run works on by its name, never by its URL', () => {
    const failed = toNotifyEvent(
      {
        ...common,
        type: 'run-failed',
        runId: 7,
        kind: 'backup',
        partial: false,
        error: 'boom',
        hint: 'fix it',
      },
      config,
      'host-1',
    );
    expect(failed).toEqual({
      kind: 'run-failed',
      job: 'site',
      host: 'host-1',
      time: new Date(at),
      operation: 'backup',
      repository: 'local',
      error: 'boom',
      hint: 'fix it',
    });
    expect(JSON.stringify(renderMessage(failed))).not.toMatch(/nas|minio|url-pw/);
    const drill = toNotifyEvent({ ...common, type: 'recovered', kind: 'drill', runId: 8 }, config, 'h');
    expect(drill).toMatchObject({ kind: 'recovered', operation: 'drill', repository: 'offsite' });
  });

  it('carries the figures of a successful run and of a size drop', () => {
    const ok = toNotifyEvent(
      {
        ...common,
        type: 'run-succeeded',
        runId: 1,
        kind: 'backup',
        durationSeconds: 83.2,
        files: 1200,
        bytesAdded: null,
        snapshotIds: ['1a2b3c4d'],
      },
      config,
      'h',
    );
    expect(ok).toMatchObject({ durationMs: 83_200, snapshotId: '1a2b3c4d', figures: { files: 1200 } });
    const drop = toNotifyEvent(
      { ...common, type: 'size-drop', runId: 2, bytes: 100, previousAverage: 400.4, dropPercent: 75 },
      config,
      'h',
    );
    expect(drop).toMatchObject({ kind: 'size-drop', figures: { bytesTotal: 100, previousBytesTotal: 400 } });
  });

  it('tells an overdue drill from an overdue backup, with the period as written in the config', () => {
    const overdue = (kind: 'backup' | 'drill') =>
      toNotifyEvent(
        { ...common, type: 'job-overdue', kind, lastSuccessAt: null, expectedWithinSeconds: 172_800 },
        config,
        'h',
      );
    expect(overdue('backup')).toMatchObject({ kind: 'job-overdue', expectedWithin: '26h' });
    expect(overdue('drill')).toMatchObject({ kind: 'drill-overdue', expectedWithin: '2d' });
  });
});

describe('EventNotifier', () => {
  it('delivers along the job routes, follows a reloaded config, masks the repository password, then closes', async () => {
    const receiver = await HttpReceiver.start();
    const yaml = (hook: string): string => `repositories:
  local: { url: /srv/repo, password: Repo-Pw-4711 }
jobs:
  site: { sources: [/srv/site], schedule: { every: 6h }, repositories: [local], notify: [chat] }
notifications:
  channels:
    chat: { type: webhook, url: "${receiver.url(hook)}" }
`;
    let current = parseConfig(yaml('/first'), 'c.yaml', {});
    const lines: string[] = [];
    const logger = createLogger(
      'warn',
      new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
    );
    const events = new EventNotifier({ config: () => current, logger, host: 'h' });
    const failed = (error: string): DaemonEvent => ({
      ...common,
      type: 'run-failed',
      runId: 1,
      kind: 'backup',
      partial: false,
      error,
      hint: 'h',
      routes: current.jobs.site!.notify,
    });
    try {
      await events.open();
      events.handle(failed('wrong password Repo-Pw-4711'));
      await events.drain();
      current = parseConfig(yaml('/second'), 'c.yaml', {});
      await events.sync();
      events.handle(failed('again'));
      await events.drain();
      expect(receiver.requests.map((r) => r.url)).toEqual(['/first', '/second']);
      expect(receiver.requests[0]!.body).toContain('wrong password ***');
      expect(receiver.requests[0]!.body).not.toContain('Repo-Pw-4711');
      await events.close();
      events.handle(failed('after close'));
      await events.drain();
      expect(receiver.requests).toHaveLength(2);
      expect(lines).toEqual([]);
    } finally {
      await events.close();
      await receiver.close();
    }
  });

  it('refuses to start with a channel file it cannot read, and after a reload keeps the previous channels', async () => {
    const receiver = await HttpReceiver.start();
    const base = `repositories:
  local: { url: /srv/repo, password: pw }
jobs:
  site: { sources: [/srv/site], schedule: { every: 6h }, repositories: [local], notify: [chat] }
notifications:
  channels:
    chat: { type: webhook, url: "${receiver.url('/chat')}" }
`;
    const broken = `${base}    mail: { type: smtp, host: mx, user: u, password_file: /nonexistent/pw, from: a@b.c, to: [d@e.f] }\n`;
    const lines: string[] = [];
    const logger = createLogger(
      'warn',
      new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
    );
    let current = parseConfig(broken, 'c.yaml', {});
    const events = new EventNotifier({ config: () => current, logger, host: 'h' });
    try {
      await expect(events.open()).rejects.toThrow(/\/nonexistent\/pw/);
      current = parseConfig(base, 'c.yaml', {});
      await events.open();
      current = parseConfig(broken, 'c.yaml', {});
      await events.sync();
      expect(lines.join('')).toContain('the previous ones stay in use');
      events.handle({ ...common, type: 'recovered', kind: 'backup', runId: 3, routes: ['chat'] });
      await events.drain();
      expect(receiver.requests.map((r) => r.url)).toEqual(['/chat']);
    } finally {
      await events.close();
      await receiver.close();
    }
  });
});

describe('runs on a repository without a job', () => {
  it('name the repository in their events and notifications, the one restored from too', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-notify-repo-'));
    const file = path.join(dir, 'cairn.yaml');
    const events: DaemonEvent[] = [];
    const d = new Daemon({
      loaded: { file, config },
      dataDir: dir,
      logger: createLogger('error', new Writable({ write: (_c, _e, cb) => cb() })),
      onEvent: (e) => events.push(e),
    });
    d.open({ exclusive: true });
    try {
      const ok = async (): Promise<{ end: object; problems: string[] }> => ({ end: {}, problems: [] });
      await d.runOnRepository('offsite', 'prune', '', async () => {
        throw new Error('the repository is locked');
      });
      await d.idle();
      // A restore of the job's snapshot from its second repository: that one, not the job's first.
      await d.runOnRepository('offsite', 'restore', 'site', ok);
      await d.idle();
      const prune = events.filter((e) => 'kind' in e && e.kind === 'prune');
      expect(prune.map((e) => [e.type, e.repository])).toEqual([
        ['run-started', 'offsite'],
        ['run-failed', 'offsite'],
      ]);
      const failed = toNotifyEvent(prune[1]!, config, 'host-1');
      expect(failed).toMatchObject({ kind: 'run-failed', operation: 'prune', repository: 'offsite' });
      const message = renderMessage(failed);
      expect(message.subject).toBe(
        '[cairn] FAILED: repository offsite on host-1: prune failed (repository offsite)',
      );
      expect(message.text).not.toMatch(/^Job: *$/m);
      const restore = events.find((e) => e.type === 'run-succeeded' && 'kind' in e && e.kind === 'restore')!;
      expect(toNotifyEvent(restore, config, 'h')).toMatchObject({ job: 'site', repository: 'offsite' });
      expect(d.runs.repositoryRuns('offsite', 10).map((r) => [r.kind, r.job])).toEqual([
        ['restore', 'site'],
        ['prune', ''],
      ]);
    } finally {
      await d.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

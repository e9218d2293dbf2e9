import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { renderMessage } from '../notify/index.js';
import { toNotifyEvent } from './notify-events.js';

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

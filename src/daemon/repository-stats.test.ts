import { describe, expect, it } from 'vitest';
import type { RepositoryFigures } from '../app/index.js';
import { parseConfig } from '../config/index.js';
import { CairnError } from '../core/index.js';
import { RepositoryStatsCache } from './repository-stats.js';

const config = parseConfig(
  'repositories:\n  r: { url: "s3:https://user:secret@host/bucket", password: pw }\njobs: {}\n',
  'cairn.yaml',
  {},
);

describe('RepositoryStatsCache', () => {
  it('runs one refresh at a time per repository, and one more for the requests made meanwhile', async () => {
    let calls = 0;
    let release!: () => void;
    const recorded: number[] = [];
    const cache = new RepositoryStatsCache({
      compute: async () => {
        calls++;
        await new Promise<void>((r) => (release = r));
        return {
          snapshots: calls,
          storedBytes: 100,
          rawBytes: 300,
          restoreBytes: 400,
        } satisfies RepositoryFigures;
      },
      record: (_name, at) => recorded.push(at),
      now: () => 1_000,
      warn: () => undefined,
    });
    expect(cache.view(config, 'r')).toMatchObject({
      url: 's3:https://user:***@host/bucket',
      snapshots: null,
    });
    void cache.refresh('r');
    void cache.refresh('r');
    void cache.refresh('r');
    expect(calls).toBe(1);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toBe(2);
    release();
    await cache.settled();
    expect(calls).toBe(2);
    expect(recorded).toEqual([1_000, 1_000]);
    expect(cache.view(config, 'r')).toMatchObject({ snapshots: 2, dedupRatio: 4, error: null });
  });

  it('keeps the last figures and reports the error when a refresh fails', async () => {
    let fail = false;
    const cache = new RepositoryStatsCache({
      compute: async () => {
        if (fail) throw new Error('the bucket is gone');
        return { snapshots: 1, storedBytes: 0, rawBytes: 0, restoreBytes: 0 };
      },
      record: () => undefined,
      now: () => 0,
      warn: () => undefined,
    });
    await cache.refresh('r');
    fail = true;
    await cache.refresh('r');
    expect(cache.view(config, 'r')).toMatchObject({
      snapshots: 1,
      dedupRatio: null,
      error: 'the bucket is gone',
    });
  });

  it('says nothing of a repository not created yet, but reports one that vanished after it had figures', async () => {
    let exists = false;
    const warnings: string[] = [];
    const cache = new RepositoryStatsCache({
      compute: async () => {
        if (!exists) throw new CairnError('repository-not-found', 'no repository at /r');
        return { snapshots: 1, storedBytes: 10, rawBytes: 10, restoreBytes: 10 };
      },
      record: () => undefined,
      now: () => 0,
      warn: (_name, message) => warnings.push(message),
    });
    await cache.refresh('r');
    expect(warnings).toEqual([]);
    expect(cache.view(config, 'r')).toMatchObject({ snapshots: null, error: null });
    exists = true;
    await cache.refresh('r');
    expect(cache.view(config, 'r')).toMatchObject({ snapshots: 1, error: null });
    exists = false;
    await cache.refresh('r');
    expect(warnings).toEqual(['cannot refresh the figures of r: no repository at /r']);
    expect(cache.view(config, 'r')).toMatchObject({ snapshots: 1, error: 'no repository at /r' });
  });
});

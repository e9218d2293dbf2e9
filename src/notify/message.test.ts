import { describe, expect, it } from 'vitest';
import type { NotifyEvent } from './event.js';
import { renderMessage } from './message.js';
import { maskSecrets } from './redact.js';

const base: NotifyEvent = {
  kind: 'run-failed',
  job: 'db',
  host: 'school-1',
  time: new Date('2026-12-06T02:00:00Z'),
};

describe('renderMessage', () => {
  it('says what failed, where and what to do', () => {
    const m = renderMessage({
      ...base,
      operation: 'copy',
      repository: 'offsite',
      error: 'Bucket refused the write',
    });
    expect(m.subject).toBe('[cairn] FAILED: job db on school-1: copy failed (repository offsite)');
    expect(m.text).toContain(
      'Repository: offsite\nHost: school-1\nTime: 2026-12-06T02:00:00.000Z\nError: Bucket refused',
    );
    expect(m.text).toMatch(/What to do: Look at the run log/);
    expect(m.eventClass).toBe('failure');
  });

  it('words the dead-man alerts with the expected interval and a default hint', () => {
    const m = renderMessage({ ...base, kind: 'job-overdue', expectedWithin: '26h' });
    expect(m.subject).toBe('[cairn] FAILED: job db on school-1: no successful run within 26h');
    expect(m.text).toContain('What to do: Check that `cairn serve` is running');
    expect(renderMessage({ ...base, kind: 'drill-overdue', expectedWithin: '31d' }).subject).toContain(
      'no passed restore drill within 31d',
    );
  });

  it('gives the size drop in percent with both totals', () => {
    const m = renderMessage({
      ...base,
      kind: 'size-drop',
      figures: { bytesTotal: 1024 ** 3, previousBytesTotal: 4 * 1024 ** 3 },
    });
    expect(m.subject).toBe('[cairn] WARNING: job db on school-1: backup size dropped by 75%');
    expect(m.text).toContain('Total: 1.0 GiB\nPrevious total: 4.0 GiB');
  });

  it('lists the figures of a successful run', () => {
    const m = renderMessage({
      ...base,
      kind: 'run-succeeded',
      snapshotId: '1a2b3c4d',
      durationMs: 83_000,
      figures: { files: 1200, bytesAdded: 5 * 1024 * 1024 },
    });
    expect(m.subject).toBe('[cairn] OK: job db on school-1: backup succeeded');
    expect(m.text).toContain('Snapshot: 1a2b3c4d\nDuration: 1m 23s\nFiles: 1200\nAdded: 5.0 MiB');
  });
});

describe('maskSecrets', () => {
  it('masks the password of a URL, keeping the user and host', () => {
    expect(maskSecrets('s3:https://AKIA:wJalr/XUt@minio:9000/bucket failed')).toBe(
      's3:https://AKIA:***@minio:9000/bucket failed',
    );
    expect(maskSecrets('rest:http://u:p@ss@nas:8000/')).toBe('rest:http://u:***@nas:8000/');
    expect(maskSecrets('sftp://backup@host/x')).toBe('sftp://backup@host/x');
  });

  it('masks URLs as the CLI does (util maskCredentials): also restic forms without //', () => {
    expect(maskSecrets('cannot open sftp:backup:hunter22@nas:/srv/repo')).toBe(
      'cannot open sftp:backup:***@nas:/srv/repo',
    );
    expect(maskSecrets('s3:AKIA:se/cret+x@host/bucket is gone')).toBe('s3:AKIA:***@host/bucket is gone');
  });

  it('masks credential-named query parameters and key=value pairs', () => {
    expect(maskSecrets('POST /send?access_token=abc123&x=1')).toBe('POST /send?access_token=***&x=1');
    expect(maskSecrets('password=hunter2, token: "t0k"')).toBe('password=***, token: ***');
  });

  it('masks literal secrets, but not ones too short to be told apart from words', () => {
    expect(maskSecrets('wrong password RepoPass-991 for a', ['RepoPass-991', 'a'])).toBe(
      'wrong password *** for a',
    );
  });
});

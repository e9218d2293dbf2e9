import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BackupStatus } from '../../core/index.js';
import { ProgressView, backupStatusJSON, backupStatusText } from './progress.js';

const status: BackupStatus = {
  kind: 'backup-status',
  secondsElapsed: 10,
  secondsRemaining: 20,
  percentDone: 0.25,
  totalFiles: 8,
  filesDone: 2,
  totalBytes: 4096,
  bytesDone: 2048,
  errorCount: 0,
  currentFiles: ['/src/a'],
};

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('backup progress', () => {
  it("status JSON uses restic's field names", () => {
    expect(backupStatusJSON(status)).toEqual({
      message_type: 'status',
      seconds_elapsed: 10,
      seconds_remaining: 20,
      percent_done: 0.25,
      total_files: 8,
      files_done: 2,
      total_bytes: 4096,
      bytes_done: 2048,
      error_count: 0,
      current_files: ['/src/a'],
    });
  });
  it('the status line shows elapsed, files, bytes, ETA and the current file', () => {
    expect(backupStatusText(status)).toBe(
      '[0:10] 25.00% 2/8 files 2.000 KiB/4.000 KiB 205 B/s ETA 0:20 /src/a',
    );
  });
  it('with --json, status lines go out at most once a second', () => {
    const out = capture();
    const err = capture();
    let now = 0;
    const view = new ProgressView(
      { stdout: out.stream, stderr: err.stream as unknown as NodeJS.WriteStream },
      { json: true, quiet: false, verbose: 0, tty: false, now: () => now },
    );
    for (now = 0; now < 2500; now += 250) view.listener(status);
    expect(out.text().trim().split('\n')).toHaveLength(3);
  });
  it('source errors become restic error messages on stderr with --json', () => {
    const out = capture();
    const err = capture();
    const view = new ProgressView(
      { stdout: out.stream, stderr: err.stream as unknown as NodeJS.WriteStream },
      { json: true, quiet: false, verbose: 0, tty: false, now: () => 0 },
    );
    view.listener({ kind: 'source-error', item: '/src/x', during: 'archival', message: 'permission denied' });
    expect(JSON.parse(err.text())).toEqual({
      message_type: 'error',
      error: { message: 'permission denied' },
      during: 'archival',
      item: '/src/x',
    });
    expect(out.text()).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import type { BackupSummary } from './backup-summary.js';
import { backupSummaryJSON, backupSummaryText } from './backup-summary.js';

const summary: BackupSummary = {
  backup_start: '2024-01-01T00:00:00Z',
  backup_end: '2024-01-01T00:01:05Z',
  files_new: 3,
  files_changed: 1,
  files_unmodified: 2,
  dirs_new: 1,
  dirs_changed: 0,
  dirs_unmodified: 4,
  data_blobs: 5,
  tree_blobs: 2,
  data_added: 2048,
  data_added_packed: 1100,
  total_files_processed: 6,
  total_bytes_processed: 4096,
  snapshot_id: '12345678'.repeat(8),
};

describe('backup summary', () => {
  it("JSON has restic's summary fields and the duration in seconds", () => {
    const j = backupSummaryJSON(summary, false);
    expect(j).toMatchObject({
      message_type: 'summary',
      files_new: 3,
      files_changed: 1,
      files_unmodified: 2,
      dirs_new: 1,
      data_blobs: 5,
      tree_blobs: 2,
      data_added: 2048,
      data_added_packed: 1100,
      total_files_processed: 6,
      total_bytes_processed: 4096,
      total_duration: 65,
      snapshot_id: summary.snapshot_id,
    });
    expect(j).not.toHaveProperty('dry_run');
  });
  it('text ends with the saved snapshot and counts files', () => {
    const t = backupSummaryText(summary, false);
    expect(t).toMatch(/^Files: +3 new, +1 changed, +2 unmodified$/m);
    expect(t).toContain('Added to the repository: 2.000 KiB (1.074 KiB stored)');
    expect(t).toContain('processed 6 files, 4.000 KiB in 1:05');
    expect(t.trimEnd().split('\n').at(-1)).toBe('snapshot 12345678 saved');
  });
  it('a dry run says "Would add" and saves nothing', () => {
    const t = backupSummaryText(summary, true);
    expect(t).toContain('Would add to the repository');
    expect(t).not.toContain('saved');
    expect(backupSummaryJSON(summary, true).dry_run).toBe(true);
  });
});

/** The end of a backup: restic's summary lines or its `summary` JSON message. */
import type { SnapshotSummary } from '../../core/index.js';
import { formatBytes, formatDuration } from './format.js';

export type BackupSummary = SnapshotSummary & { snapshot_id?: string; total_duration?: number };

function seconds(summary: BackupSummary): number {
  if (summary.total_duration !== undefined) return summary.total_duration;
  const start = Date.parse(summary.backup_start);
  const end = Date.parse(summary.backup_end);
  return Number.isNaN(start) || Number.isNaN(end) ? 0 : Math.max(0, (end - start) / 1000);
}

/** restic 0.17's `summary` message (data_added_packed included, snapshot_id omitted on a dry run). */
export function backupSummaryJSON(summary: BackupSummary, dryRun: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { message_type: 'summary' };
  if (dryRun) out.dry_run = true;
  Object.assign(out, {
    files_new: summary.files_new,
    files_changed: summary.files_changed,
    files_unmodified: summary.files_unmodified,
    dirs_new: summary.dirs_new,
    dirs_changed: summary.dirs_changed,
    dirs_unmodified: summary.dirs_unmodified,
    data_blobs: summary.data_blobs,
    tree_blobs: summary.tree_blobs,
    data_added: summary.data_added,
    data_added_packed: summary.data_added_packed,
    total_files_processed: summary.total_files_processed,
    total_bytes_processed: summary.total_bytes_processed,
    total_duration: seconds(summary),
    backup_start: summary.backup_start,
    backup_end: summary.backup_end,
  });
  if (summary.snapshot_id !== undefined) out.snapshot_id = summary.snapshot_id;
  return out;
}

const n5 = (n: number): string => String(n).padStart(5);

/** restic's closing lines of a backup. */
export function backupSummaryText(summary: BackupSummary, dryRun: boolean): string {
  const added = `${formatBytes(summary.data_added)} (${formatBytes(summary.data_added_packed)} stored)`;
  const lines = [
    `Files:       ${n5(summary.files_new)} new, ${n5(summary.files_changed)} changed, ${n5(summary.files_unmodified)} unmodified`,
    `Dirs:        ${n5(summary.dirs_new)} new, ${n5(summary.dirs_changed)} changed, ${n5(summary.dirs_unmodified)} unmodified`,
    dryRun ? `Would add to the repository: ${added}` : `Added to the repository: ${added}`,
    '',
    `processed ${summary.total_files_processed} files, ${formatBytes(summary.total_bytes_processed)} in ${formatDuration(seconds(summary))}`,
  ];
  if (!dryRun && summary.snapshot_id !== undefined)
    lines.push(`snapshot ${summary.snapshot_id.slice(0, 8)} saved`);
  return `${lines.join('\n')}\n`;
}

/** restic's PrintSnapshots: the snapshot table of `snapshots` and `forget`, and the group header above it. */
import type { GroupKey } from '../../app/index.js';
import type { StoredSnapshot } from '../../core/index.js';
import { shortId } from '../../core/index.js';
import { formatLocalTime } from './format.js';
import { renderTable } from './table.js';

export interface SnapshotTableOptions {
  /** restic's `--compact`: no paths, one tag a line. */
  compact?: boolean;
  /** `forget`: why each kept snapshot is kept, by id (a column when there are any). */
  reasons?: Map<string, string[]>;
}

/**
 * The table in the given order; restic pads the Host and Tags titles (10 characters, 6 with `--compact`), so
 * its columns are that wide even when empty, and counts "1 snapshots".
 */
export function snapshotTable(snaps: readonly StoredSnapshot[], opts: SnapshotTableOptions = {}): string {
  const compact = opts.compact === true;
  const reasons = opts.reasons !== undefined && opts.reasons.size > 0 ? opts.reasons : undefined;
  const rows = snaps.map((s) => {
    const row = [
      shortId(s.id),
      formatLocalTime(s.time),
      s.hostname ?? '',
      (s.tags ?? []).join(compact ? '\n' : ','),
    ];
    if (compact) return row;
    if (reasons !== undefined) row.push((reasons.get(s.id) ?? []).join('\n'));
    row.push(s.paths.join('\n'));
    return row;
  });
  const titles = compact
    ? ['ID', 'Time', 'Host', 'Tags  ']
    : ['ID', 'Time', 'Host      ', 'Tags      ', ...(reasons !== undefined ? ['Reasons'] : []), 'Paths'];
  // Snapshots of several paths take several lines each: restic then leaves an empty line between snapshots.
  const multiline = !compact && snaps.some((s) => s.paths.length > 1);
  return renderTable(
    titles.map((title) => ({ title })),
    multiline ? rows.flatMap((row, i) => (i === 0 ? [row] : [[], row])) : rows,
    `${snaps.length} snapshots`,
  );
}

/** restic's group header: "snapshots for (host [h], tags [a, b], paths [/x, /y]):". */
export function groupHeader(key: GroupKey): string | undefined {
  const parts: string[] = [];
  if (key.host !== '') parts.push(`host [${key.host}]`);
  if (key.tags !== undefined) parts.push(`tags [${key.tags.join(', ')}]`);
  if (key.paths !== undefined) parts.push(`paths [${key.paths.join(', ')}]`);
  return parts.length > 0 ? `snapshots for (${parts.join(', ')}):` : undefined;
}

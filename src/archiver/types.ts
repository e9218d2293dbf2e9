import type { Id, ProgressListener, Snapshot, SnapshotSummary, StoredSnapshot } from '../core/index.js';
import type { ExcludeOptions } from '../source/index.js';
import type { Clock } from '../util/index.js';

export type { ExcludeOptions };

/** Data read from a stream instead of the file system (`backup --stdin`, `--stdin-from-command`). */
export interface StdinSource {
  /** Name of the single file node in the snapshot's root tree. */
  filename: string;
  stream: NodeJS.ReadableStream;
  /** Rejects if the producing command failed: then no snapshot is written. */
  done?: Promise<void>;
}

export interface BackupOptions {
  /** Files and folders to back up. Relative paths keep only their relative part in the tree, as restic does. */
  paths: string[];
  excludes?: ExcludeOptions;
  tags?: string[];
  hostname: string;
  username?: string;
  /** Snapshot time in nanoseconds since the epoch; default now. */
  time?: bigint;
  /** Snapshot whose unchanged files are reused without reading them. */
  parent?: StoredSnapshot;
  /** Read every file even if the parent says it is unchanged. */
  force?: boolean;
  stdin?: StdinSource;
  /** Read and chunk everything but write nothing. */
  dryRun?: boolean;
  /** Worker threads for compression and encryption; 0 = in this thread. Default: number of cores. */
  workers?: number;
  /** Read extended attributes with `getfattr` when it is installed (default true). */
  xattrs?: boolean;
  /** Working directory that relative paths are resolved against (default process.cwd()). */
  cwd?: string;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /**
   * Emit 'backup-status' events to `onProgress`, with totals from a second, counting walk (restic's scanner).
   * Default true; false when nobody shows them (quiet, no terminal) saves that walk.
   */
  statusEvents?: boolean;
  clock?: Clock;
  /** Interval of 'backup-status' events in ms (default 250). */
  progressInterval?: number;
}

export type BackupSummary = SnapshotSummary & {
  snapshot_id?: Id;
  total_duration: number;
};

export interface BackupResult {
  /** Absent on a dry run. */
  snapshotId?: Id;
  snapshot: Snapshot;
  summary: BackupSummary;
  sourceErrors: { item: string; message: string }[];
}

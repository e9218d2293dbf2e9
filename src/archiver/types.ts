import type { Id, ProgressListener, Snapshot, SnapshotSummary, StoredSnapshot } from '../core/index.js';
import type { Clock } from '../util/index.js';

/** How a backup compares files with the parent and which times it records (restic's backup flags). */
export interface ChangeRules {
  /** `--ignore-inode`: a changed inode number alone does not make a file changed (implies ignoreCtime, as restic). */
  ignoreInode?: boolean;
  /** `--ignore-ctime`: a changed ctime alone does not make a file changed. */
  ignoreCtime?: boolean;
  /** `--with-atime`: record the access time; otherwise atime = mtime, as restic, so reading a file changes no tree. */
  withAtime?: boolean;
}

export interface BackupOptions {
  /** The `--exclude` patterns, recorded in the snapshot (the source applies them). */
  excludes?: string[];
  tags?: string[];
  hostname: string;
  username?: string;
  /** Snapshot time in nanoseconds since the epoch; default now. */
  time?: bigint;
  /** Snapshot whose unchanged files are reused without reading them. */
  parent?: StoredSnapshot;
  /** Read every file even if the parent says it is unchanged. */
  force?: boolean;
  /** How files are compared with the parent, and whether atime is recorded (restic's defaults when absent). */
  change?: ChangeRules;
  /** Read and chunk everything but write nothing. */
  dryRun?: boolean;
  /** Worker threads for compression and encryption; 0 = in this thread. Default: number of cores. */
  workers?: number;
  /** Read extended attributes with `getfattr` when it is installed (default true). */
  xattrs?: boolean;
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
  /** For tests only: runs between listing an entry and opening it (a file's read, a folder's listing). */
  hooks?: BackupHooks;
}

/** Points where tests change the file system at a chosen moment, to make races deterministic. */
export interface BackupHooks {
  beforeOpen?: (path: string) => void | Promise<void>;
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

import type { Id } from './ids.js';

/** restic ≥ 0.17's backup summary, stored in the snapshot (ignored by older readers). */
export interface SnapshotSummary {
  backup_start: string;
  backup_end: string;
  files_new: number;
  files_changed: number;
  files_unmodified: number;
  dirs_new: number;
  dirs_changed: number;
  dirs_unmodified: number;
  data_blobs: number;
  tree_blobs: number;
  data_added: number;
  data_added_packed: number;
  total_files_processed: number;
  total_bytes_processed: number;
}

/** A snapshot document, field for field restic's (section 9 of the format notes). */
export interface Snapshot {
  time: string;
  parent?: Id;
  tree: Id;
  paths: string[];
  hostname?: string;
  username?: string;
  uid?: number;
  gid?: number;
  excludes?: string[];
  tags?: string[];
  original?: Id;
  program_version?: string;
  summary?: SnapshotSummary;
}

/** A snapshot together with its storage id. */
export interface StoredSnapshot extends Snapshot {
  id: Id;
}

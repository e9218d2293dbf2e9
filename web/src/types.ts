// The API's shapes as the dashboard reads them (docs/openapi.json, src/api/contract.ts, docs of issue 14's API).
// Kept as plain types here: the UI bundle must not pull zod or the server's modules in.

export type RunOutcome =
  'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'skipped' | 'interrupted';

export interface Run {
  id: number;
  job: string;
  kind: string;
  parentId: number | null;
  repository: string | null;
  trigger: string;
  startedAt: string;
  endedAt: string | null;
  outcome: RunOutcome;
  durationSeconds: number | null;
  files: number | null;
  bytesAdded: number | null;
  bytesTotal: number | null;
  restoreSeconds: number | null;
  snapshotIds: string[];
  error: string | null;
}

export interface LogLine {
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface RunWithLog extends Run {
  log: LogLine[];
  steps: Run[];
}

export interface Job {
  name: string;
  description: string | null;
  sources: string[];
  repositories: string[];
  schedule: string;
  running: boolean;
  nextRunAt: string | null;
  lastRun: Run | null;
  lastSuccessAt: string | null;
  overdue: boolean;
}

export interface Repository {
  name: string;
  url: string;
  snapshots: number | null;
  storedBytes: number | null;
  rawBytes: number | null;
  restoreBytes: number | null;
  dedupRatio: number | null;
  updatedAt: string | null;
  error: string | null;
}

export interface Alert {
  level: 'error' | 'warn';
  job: string | null;
  message: string;
  at: string;
}

export interface Overview {
  jobs: Job[];
  repositories: Repository[];
  alerts: Alert[];
}

export interface Snapshot {
  id: string;
  shortId: string;
  time: string;
  hostname: string;
  paths: string[];
  tags: string[];
  job?: string | null;
  summary?: { files: number; bytesAdded: number; totalBytes: number } | null;
}

export interface TreeEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number | null;
  mtime: string;
  mode: string;
}

export interface DiffChange {
  path: string;
  change: 'added' | 'removed' | 'modified' | 'type-changed' | 'metadata';
  type: string;
}

export interface DiffSide {
  files: number;
  dirs: number;
  others: number;
  bytes: number;
}

export interface Diff {
  from: string;
  to: string;
  changes: DiffChange[];
  totals: { changedFiles: number; added: DiffSide; removed: DiffSide };
  truncated: boolean;
}

export type RestoreTarget = { kind: 'path'; path: string } | { kind: 'source' };

export interface RestorePlan {
  target: string;
  overwrite: string[];
  overwriteCount: number;
  create: number;
}

export interface Session {
  user: string | null;
  authRequired: boolean;
  csrfToken: string;
}

export interface StatsPoint {
  at: string;
  storedBytes: number;
  snapshots: number;
}

export interface Lock {
  id: string;
  hostname: string;
  username: string;
  pid: number;
  time: string;
  exclusive: boolean;
  stale: boolean;
}

export interface Progress {
  runId: number;
  job: string;
  percentDone: number;
  filesDone: number;
  totalFiles: number;
  bytesDone: number;
  totalBytes: number;
}

/**
 * The run history in SQLite (node:sqlite) in the data directory: one row per run or step, their log lines. SQLite's
 * journal makes every write crash-safe; runs still marked running at open were cut short by a crash.
 */
import { DatabaseSync } from 'node:sqlite';
import type { AuditAction, AuditEntry, LogLine, Run, RunKind, RunOutcome } from '../api/index.js';

const SCHEMA = `
PRAGMA busy_timeout = 5000;
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL,
  kind TEXT NOT NULL,
  parent_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
  repository TEXT,
  trigger TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  outcome TEXT NOT NULL,
  files INTEGER,
  bytes_added INTEGER,
  bytes_total INTEGER,
  restore_seconds REAL,
  snapshot_ids TEXT NOT NULL DEFAULT '[]',
  error TEXT
);
CREATE INDEX IF NOT EXISTS runs_job ON runs (job, kind, started_at);
CREATE TABLE IF NOT EXISTS logs (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_run ON logs (run_id);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  user TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT
);
CREATE TABLE IF NOT EXISTS repository_stats (
  repository TEXT NOT NULL,
  at INTEGER NOT NULL,
  snapshots INTEGER NOT NULL,
  stored_bytes INTEGER NOT NULL,
  raw_bytes INTEGER NOT NULL,
  restore_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS repository_stats_at ON repository_stats (repository, at);
`;

export type Trigger = Run['trigger'];

export interface RunStart {
  job: string;
  kind: RunKind;
  trigger: Trigger;
  parentId?: number;
  repository?: string;
  at: number;
}

/** A repository's figures at one refresh (see repository-stats.ts). */
export interface RepositoryStatsRow {
  snapshots: number;
  storedBytes: number;
  rawBytes: number;
  restoreBytes: number;
}

export interface RunEnd {
  outcome: RunOutcome;
  at: number;
  files?: number;
  bytesAdded?: number;
  bytesTotal?: number;
  /** Drills: how long the restore alone took. */
  restoreSeconds?: number;
  snapshotIds?: string[];
  error?: string;
}

interface RunRow {
  id: number;
  job: string;
  kind: RunKind;
  parent_id: number | null;
  repository: string | null;
  trigger: Trigger;
  started_at: number;
  ended_at: number | null;
  outcome: RunOutcome;
  files: number | null;
  bytes_added: number | null;
  bytes_total: number | null;
  restore_seconds: number | null;
  snapshot_ids: string;
  error: string | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function toRun(r: RunRow): Run {
  return {
    id: r.id,
    job: r.job,
    kind: r.kind,
    parentId: r.parent_id,
    repository: r.repository,
    trigger: r.trigger,
    startedAt: iso(r.started_at),
    endedAt: r.ended_at === null ? null : iso(r.ended_at),
    outcome: r.outcome,
    durationSeconds: r.ended_at === null ? null : (r.ended_at - r.started_at) / 1000,
    files: r.files,
    bytesAdded: r.bytes_added,
    bytesTotal: r.bytes_total,
    restoreSeconds: r.restore_seconds,
    snapshotIds: JSON.parse(r.snapshot_ids) as string[],
    error: r.error,
  };
}

export class History {
  private readonly db: DatabaseSync;

  /** Opens (creating) the history; given `now` (the serving daemon), runs left `running` by a crash become `interrupted`. */
  constructor(file: string, now?: number) {
    this.db = new DatabaseSync(file);
    this.db.exec(SCHEMA);
    this.db.exec('PRAGMA foreign_keys = ON');
    if (now !== undefined)
      this.db
        .prepare(
          `UPDATE runs SET outcome = 'interrupted', ended_at = ?, error = 'the daemon stopped during the run' WHERE outcome = 'running'`,
        )
        .run(now);
  }

  start(r: RunStart): number {
    const res = this.db
      .prepare(
        'INSERT INTO runs (job, kind, parent_id, repository, trigger, started_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(r.job, r.kind, r.parentId ?? null, r.repository ?? null, r.trigger, r.at, 'running');
    return Number(res.lastInsertRowid);
  }

  /** Records a run that did not happen (due while another ran) as one finished row. */
  skipped(r: RunStart, why: string): number {
    const id = this.start(r);
    this.end(id, { outcome: 'skipped', at: r.at, error: why });
    return id;
  }

  end(id: number, e: RunEnd): void {
    this.db
      .prepare(
        'UPDATE runs SET outcome = ?, ended_at = ?, files = ?, bytes_added = ?, bytes_total = ?, restore_seconds = ?, snapshot_ids = ?, error = ? WHERE id = ?',
      )
      .run(
        e.outcome,
        e.at,
        e.files ?? null,
        e.bytesAdded ?? null,
        e.bytesTotal ?? null,
        e.restoreSeconds ?? null,
        JSON.stringify(e.snapshotIds ?? []),
        e.error ?? null,
        id,
      );
  }

  log(runId: number, at: number, level: LogLine['level'], message: string): void {
    this.db
      .prepare('INSERT INTO logs (run_id, at, level, message) VALUES (?, ?, ?, ?)')
      .run(runId, at, level, message);
  }

  get(id: number): Run | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRun(row);
  }

  steps(parentId: number): Run[] {
    return (
      this.db
        .prepare('SELECT * FROM runs WHERE parent_id = ? ORDER BY id')
        .all(parentId) as unknown as RunRow[]
    ).map(toRun);
  }

  logOf(runId: number): LogLine[] {
    const rows = this.db
      .prepare(
        'SELECT at, level, message FROM logs WHERE run_id IN (SELECT ? UNION SELECT id FROM runs WHERE parent_id = ?) ORDER BY rowid',
      )
      .all(runId, runId) as { at: number; level: LogLine['level']; message: string }[];
    return rows.map((r) => ({ at: iso(r.at), level: r.level, message: r.message }));
  }

  /** Top-level runs of a job (no steps), newest first. */
  runs(job: string, limit = 50, kind?: RunKind): Run[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM runs WHERE job = ? AND parent_id IS NULL AND (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?`,
      )
      .all(job, kind ?? null, kind ?? null, limit) as unknown as RunRow[];
    return rows.map(toRun);
  }

  /** The newest run that actually started (skipped ones left out). */
  lastRun(job: string, kind: RunKind): Run | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM runs WHERE job = ? AND kind = ? AND parent_id IS NULL AND outcome != 'skipped' ORDER BY id DESC LIMIT 1`,
      )
      .get(job, kind) as RunRow | undefined;
    return row && toRun(row);
  }

  lastFinished(job: string, kind: RunKind): Run | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM runs WHERE job = ? AND kind = ? AND parent_id IS NULL AND outcome NOT IN ('running', 'skipped') ORDER BY id DESC LIMIT 1`,
      )
      .get(job, kind) as RunRow | undefined;
    return row && toRun(row);
  }

  /** The newest run of this kind whose own work succeeded (`partial` counts: the backup itself was made). */
  lastSuccess(job: string, kind: RunKind): Run | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM runs WHERE job = ? AND kind = ? AND parent_id IS NULL AND outcome IN ('succeeded', 'partial') ORDER BY id DESC LIMIT 1`,
      )
      .get(job, kind) as RunRow | undefined;
    return row && toRun(row);
  }

  /** Sizes of the job's successful backups before `beforeId`, newest first. */
  previousSizes(job: string, beforeId: number, count: number): number[] {
    const rows = this.db
      .prepare(
        `SELECT bytes_total FROM runs WHERE job = ? AND kind = 'backup' AND parent_id IS NULL AND id < ? AND outcome IN ('succeeded', 'partial') AND bytes_total IS NOT NULL ORDER BY id DESC LIMIT ?`,
      )
      .all(job, beforeId, count) as { bytes_total: number }[];
    return rows.map((r) => r.bytes_total);
  }

  /** Appends one row to the audit log (who did what to which target). */
  audit(at: number, user: string, action: AuditAction, target: string, detail?: string): void {
    this.db
      .prepare('INSERT INTO audit (at, user, action, target, detail) VALUES (?, ?, ?, ?, ?)')
      .run(at, user, action, target, detail ?? null);
  }

  /** The newest audit rows first. */
  auditLog(limit: number): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT at, user, action, target, detail FROM audit ORDER BY id DESC LIMIT ?')
      .all(limit) as {
      at: number;
      user: string;
      action: AuditAction;
      target: string;
      detail: string | null;
    }[];
    return rows.map((r) => ({ ...r, at: iso(r.at) }));
  }

  /** Appends one refresh of a repository's figures (the dashboard's size over time). */
  addRepositoryStats(repository: string, at: number, s: RepositoryStatsRow): void {
    this.db
      .prepare('INSERT INTO repository_stats VALUES (?, ?, ?, ?, ?, ?)')
      .run(repository, at, s.snapshots, s.storedBytes, s.rawBytes, s.restoreBytes);
  }

  /** The newest `limit` refreshes of a repository's figures, oldest first. */
  repositoryStats(repository: string, limit: number): ({ at: number } & RepositoryStatsRow)[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM (SELECT at, snapshots, stored_bytes, raw_bytes, restore_bytes FROM repository_stats WHERE repository = ? ORDER BY at DESC LIMIT ?) ORDER BY at',
      )
      .all(repository, limit) as {
      at: number;
      snapshots: number;
      stored_bytes: number;
      raw_bytes: number;
      restore_bytes: number;
    }[];
    return rows.map((r) => ({
      at: r.at,
      snapshots: r.snapshots,
      storedBytes: r.stored_bytes,
      rawBytes: r.raw_bytes,
      restoreBytes: r.restore_bytes,
    }));
  }

  /** Top-level runs on one repository (check, prune, drill, restore started for it), newest first. */
  repositoryRuns(repository: string, limit = 50): Run[] {
    const rows = this.db
      .prepare('SELECT * FROM runs WHERE repository = ? AND parent_id IS NULL ORDER BY id DESC LIMIT ?')
      .all(repository, limit) as unknown as RunRow[];
    return rows.map(toRun);
  }

  /**
   * Removes runs (with their steps and logs) that ended before `before`, and audit rows as old; returns how many
   * top-level runs went.
   */
  pruneOlderThan(before: number): number {
    this.db.prepare('DELETE FROM audit WHERE at < ?').run(before);
    const res = this.db
      .prepare('DELETE FROM runs WHERE parent_id IS NULL AND ended_at IS NOT NULL AND ended_at < ?')
      .run(before);
    return Number(res.changes);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The HTTP API's contract as zod schemas: the daemon answers with these shapes, the dashboard (coming) reads them,
 * and docs/openapi.json is generated from them. Times are ISO 8601 strings, durations seconds, sizes bytes.
 */
import { z } from 'zod';
import { jobRouteSchema } from '../notify/index.js';

export const RUN_KINDS = ['backup', 'copy', 'forget', 'prune', 'check', 'drill', 'restore'] as const;
export const runKind = z.enum(RUN_KINDS);
export type RunKind = z.infer<typeof runKind>;

/** `partial`: the backup succeeded but a destination (copy, retention) failed; `skipped`: a run was due while one ran. */
export const runOutcome = z.enum([
  'running',
  'succeeded',
  'partial',
  'failed',
  'cancelled',
  'skipped',
  'interrupted',
]);
export type RunOutcome = z.infer<typeof runOutcome>;

export const run = z.object({
  id: z.int(),
  job: z.string(),
  kind: runKind,
  /** The run this step belongs to (copy, forget, prune under a job's backup run). */
  parentId: z.int().nullable(),
  repository: z.string().nullable(),
  trigger: z.enum(['schedule', 'catch-up', 'start', 'manual', 'api']),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
  outcome: runOutcome,
  durationSeconds: z.number().nullable(),
  files: z.int().nullable(),
  bytesAdded: z.int().nullable(),
  /** Bytes the backup read (its size), compared by the size-drop warning. */
  bytesTotal: z.int().nullable(),
  /** Drills: seconds the restore alone took (what recovering these files takes). */
  restoreSeconds: z.number().nullable(),
  snapshotIds: z.array(z.string()),
  error: z.string().nullable(),
});
export type Run = z.infer<typeof run>;

export const logLine = z.object({
  at: z.iso.datetime(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});
export type LogLine = z.infer<typeof logLine>;

export const runWithLog = run.extend({ log: z.array(logLine), steps: z.array(run) });
export type RunWithLog = z.infer<typeof runWithLog>;

export const job = z.object({
  name: z.string(),
  description: z.string().nullable(),
  sources: z.array(z.string()),
  repositories: z.array(z.string()),
  schedule: z.string(),
  running: z.boolean(),
  nextRunAt: z.iso.datetime().nullable(),
  lastRun: run.nullable(),
  lastSuccessAt: z.iso.datetime().nullable(),
  overdue: z.boolean(),
});
export type Job = z.infer<typeof job>;

export const snapshot = z.object({
  id: z.string(),
  shortId: z.string(),
  time: z.string(),
  hostname: z.string(),
  paths: z.array(z.string()),
  tags: z.array(z.string()),
});
export type Snapshot = z.infer<typeof snapshot>;

/** A snapshot as the dashboard lists it: `job` from its `cairn-job:` tag, `summary` when the backup stored one. */
export const snapshotListed = snapshot.extend({
  job: z.string().nullable(),
  summary: z.object({ files: z.int(), bytesAdded: z.int(), totalBytes: z.int() }).nullable(),
});
export type SnapshotListed = z.infer<typeof snapshotListed>;

/** A repository with the figures of its last refresh (null before the first one finished). */
export const repository = z.object({
  name: z.string(),
  /** The URL with any password masked. */
  url: z.string(),
  snapshots: z.int().nullable(),
  /** Bytes of the packs on the backend. */
  storedBytes: z.int().nullable(),
  /** Uncompressed size of every unique blob. */
  rawBytes: z.int().nullable(),
  /** What restoring every snapshot would write. */
  restoreBytes: z.int().nullable(),
  /** restoreBytes / storedBytes. */
  dedupRatio: z.number().nullable(),
  updatedAt: z.iso.datetime().nullable(),
  /** Why the last refresh failed. */
  error: z.string().nullable(),
});
export type Repository = z.infer<typeof repository>;

export const repositoryStatsPoint = z.object({
  at: z.iso.datetime(),
  storedBytes: z.int(),
  snapshots: z.int(),
});

export const repositoryLock = z.object({
  id: z.string(),
  hostname: z.string(),
  username: z.string(),
  pid: z.int(),
  time: z.string(),
  exclusive: z.boolean(),
  /** `cairn unlock` would remove it: older than 30 minutes, or its process on this host is gone. */
  stale: z.boolean(),
});

export const treeEntry = z.object({
  name: z.string(),
  type: z.enum(['file', 'dir', 'symlink', 'other']),
  size: z.int().nullable(),
  mtime: z.string(),
  /** Like `ls -l`: "-rw-r--r--", "drwxr-xr-x". */
  mode: z.string(),
});
/** One page of a folder (`offset`/`limit`), folders first, then by name; `total` counts the whole folder. */
export const treeListing = z.object({
  path: z.string(),
  total: z.int(),
  offset: z.int(),
  entries: z.array(treeEntry),
});
export type TreeListing = z.infer<typeof treeListing>;

export const diffResult = z.object({
  from: z.string(),
  to: z.string(),
  changes: z.array(
    z.object({
      path: z.string(),
      change: z.enum(['added', 'removed', 'modified', 'type-changed', 'metadata']),
      type: z.enum(['file', 'dir']),
    }),
  ),
  totals: z.object({
    changedFiles: z.int(),
    added: z.object({ files: z.int(), dirs: z.int(), others: z.int(), bytes: z.int() }),
    removed: z.object({ files: z.int(), dirs: z.int(), others: z.int(), bytes: z.int() }),
  }),
  /** More than 10,000 changes: only the first ones are listed (the totals count all). */
  truncated: z.boolean(),
});
export type DiffResult = z.infer<typeof diffResult>;

export const checkRequest = z.strictObject({ readDataSubset: z.string().optional() });

export const restoreRequest = z.strictObject({
  /** Paths inside the snapshot; empty = everything. */
  paths: z.array(z.string()).default([]),
  target: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('path'), path: z.string() }),
    z.strictObject({ kind: z.literal('source') }),
  ]),
  overwrite: z.boolean().default(false),
  dryRun: z.boolean().default(false),
});
export type RestoreRequestBody = z.infer<typeof restoreRequest>;

/** What a restore would do: the dashboard's confirmation. */
export const restorePlan = z.object({
  target: z.string(),
  /** Existing files that would be replaced (the first 1000). */
  overwrite: z.array(z.string()),
  overwriteCount: z.int(),
  /** New files. */
  create: z.int(),
});
export type RestorePlan = z.infer<typeof restorePlan>;

export const alert = z.object({
  level: z.enum(['error', 'warn']),
  job: z.string().nullable(),
  message: z.string(),
  at: z.iso.datetime(),
});
export const overview = z.object({
  jobs: z.array(job),
  repositories: z.array(repository),
  alerts: z.array(alert),
});
export type Overview = z.infer<typeof overview>;

export const apiError = z.object({ error: z.string() });
export const startedRun = z.object({ runId: z.int() });

/**
 * `routes`: the job's own notification routes from the config (a channel name, or a route with its classes).
 * `repository`: the repository a run on one works on (check, prune, restore, drill; `job` is '' when the run is no
 * job's, as a check or prune started from the API).
 */
const base = {
  job: z.string(),
  at: z.iso.datetime(),
  routes: z.array(jobRouteSchema),
  repository: z.string().optional(),
};
/** What the daemon reports to the notifier (and to SSE listeners): one `onEvent(event)` hook. */
export const daemonEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run-started'), ...base, runId: z.int(), kind: runKind }),
  z.object({
    type: z.literal('run-succeeded'),
    ...base,
    runId: z.int(),
    kind: runKind,
    durationSeconds: z.number(),
    files: z.int().nullable(),
    bytesAdded: z.int().nullable(),
    snapshotIds: z.array(z.string()),
  }),
  z.object({
    type: z.literal('run-failed'),
    ...base,
    runId: z.int(),
    kind: runKind,
    /** True when the backup itself worked and only some destinations failed. */
    partial: z.boolean(),
    error: z.string(),
    hint: z.string(),
  }),
  z.object({
    type: z.literal('job-overdue'),
    ...base,
    /** `backup` or `drill`: what has not succeeded in time. */
    kind: runKind,
    lastSuccessAt: z.iso.datetime().nullable(),
    expectedWithinSeconds: z.number(),
  }),
  z.object({
    type: z.literal('size-drop'),
    ...base,
    runId: z.int(),
    bytes: z.int(),
    previousAverage: z.number(),
    dropPercent: z.number(),
  }),
  z.object({ type: z.literal('recovered'), ...base, kind: runKind, runId: z.int() }),
]);
export type DaemonEvent = z.infer<typeof daemonEvent>;
export type DaemonEventType = DaemonEvent['type'];

/** Live progress of a running backup, sent over SSE as `progress` (at most about once a second per run). */
export const progressMessage = z.object({
  runId: z.int(),
  job: z.string(),
  percentDone: z.number(),
  filesDone: z.int(),
  totalFiles: z.int(),
  bytesDone: z.int(),
  totalBytes: z.int(),
});
export type ProgressMessage = z.infer<typeof progressMessage>;

/** Who the dashboard talks as: `authRequired` false in open mode (no users, no tokens; `user` null then). */
export const session = z.object({
  user: z.string().nullable(),
  authRequired: z.boolean(),
  /** Send as `X-CSRF-Token` on every POST, PUT and DELETE authenticated by the session cookie (or in open mode). */
  csrfToken: z.string(),
});
export type Session = z.infer<typeof session>;

export const loginRequest = z.object({ user: z.string().max(200), password: z.string().max(1000) });
export type LoginRequest = z.infer<typeof loginRequest>;

export const AUDIT_ACTIONS = [
  'login',
  'login-failed',
  'logout',
  'run',
  'cancel',
  'check',
  'prune',
  'drill',
  'restore',
  'download',
] as const;
export const auditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditAction>;

/** One row of the audit log: who (a login name, `token`, `anonymous`) did what to which target. */
export const auditEntry = z.object({
  at: z.iso.datetime(),
  user: z.string(),
  action: auditAction,
  /** The job, repository or snapshot path acted on (for logins the user's name, `(unknown user)` for other names). */
  target: z.string(),
  /** More about it (the run id started, the client address of a login); never a secret. */
  detail: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntry>;

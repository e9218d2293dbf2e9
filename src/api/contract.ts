/**
 * The HTTP API's contract as zod schemas: the daemon answers with these shapes, the dashboard (coming) reads them,
 * and docs/openapi.json is generated from them. Times are ISO 8601 strings, durations seconds, sizes bytes.
 */
import { z } from 'zod';
import { jobRouteSchema } from '../notify/index.js';

export const RUN_KINDS = ['backup', 'copy', 'forget', 'prune', 'check', 'drill'] as const;
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

export const apiError = z.object({ error: z.string() });
export const startedRun = z.object({ runId: z.int() });

/** `routes`: the job's own notification routes from the config (a channel name, or a route with its classes). */
const base = { job: z.string(), at: z.iso.datetime(), routes: z.array(jobRouteSchema) };
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
  /** The job, run, repository or snapshot path acted on (for logins: the name given). */
  target: z.string(),
  /** More about it (the run id started, the client address of a login); never a secret. */
  detail: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntry>;

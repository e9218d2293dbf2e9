/**
 * The shape of `cairn.yaml`, as zod schemas: the one description the loader validates with, the JSON Schema is
 * generated from, and docs/configuration.md documents. Keys are snake_case; unknown keys are errors.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { parseDrillSample, parseRetentionDuration } from '../app/index.js';
import { jobRouteSchema, notificationsSchema } from '../notify/index.js';
import { isSourceUri, parseSourceUri } from '../source/index.js';
import { durationMs } from './duration.js';
import { jobResourceOptions } from './job-options.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const name = z
  .string()
  .regex(NAME, 'use letters, digits, ".", "_" and "-" (starting with a letter or digit)');

const duration = z
  .string()
  .refine((s) => durationMs(s) !== undefined, 'must be a duration such as 30s, 15m, 24h or 7d')
  .describe('a duration: numbers with units w, d, h, m, s, such as 90s, 1h30m or 7d');

const retentionDuration = z.string().refine((s) => {
  try {
    parseRetentionDuration(s);
    return true;
  } catch {
    return false;
  }
}, 'must be a restic duration such as 1y6m, 30d or 12h');

function validCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

/** A source URI is checked by the parser the backup uses, so a typo is a config problem, not a failed night. */
function checkSourceUri(source: string, ctx: z.RefinementCtx): void {
  if (!isSourceUri(source)) return;
  try {
    parseSourceUri(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
  }
}

export const scheduleSchema = z
  .strictObject({
    cron: z
      .string()
      .refine(
        validCron,
        'is not a valid cron pattern (5 or 6 fields: [seconds] minutes hours day month weekday)',
      )
      .optional()
      .describe('cron pattern, optionally with seconds first: "0 0 2 * * *" is every night at 02:00'),
    every: duration.optional().describe('run at this interval instead of a cron pattern, e.g. 24h'),
    timezone: z.string().optional().describe('IANA time zone of the cron pattern (default: the system zone)'),
    jitter: duration.optional().describe('start each run up to this much later, at random'),
    catch_up: z
      .enum(['run-once', 'skip'])
      .default('run-once')
      .describe('a run missed while the daemon was down: run it once at start, or skip it'),
    on_change: z
      .strictObject({
        quiet: duration.default('30s').describe('how long the sources must stay unchanged before the run'),
      })
      .optional()
      .describe("watch the job's local source folders and run once they have been quiet for a while"),
    run_at_start: z.boolean().default(false).describe('also run once when the daemon starts'),
  })
  .refine(
    (s) => [s.cron, s.every, s.on_change].filter((x) => x !== undefined).length === 1,
    'give exactly one of cron, every and on_change',
  );

export const retentionSchema = z
  .strictObject({
    keep_last: z.int().min(-1).optional(),
    keep_hourly: z.int().min(-1).optional(),
    keep_daily: z.int().min(-1).optional(),
    keep_weekly: z.int().min(-1).optional(),
    keep_monthly: z.int().min(-1).optional(),
    keep_yearly: z.int().min(-1).optional(),
    keep_within: retentionDuration.optional(),
    keep_within_hourly: retentionDuration.optional(),
    keep_within_daily: retentionDuration.optional(),
    keep_within_weekly: retentionDuration.optional(),
    keep_within_monthly: retentionDuration.optional(),
    keep_within_yearly: retentionDuration.optional(),
    keep_tag: z
      .array(z.string())
      .optional()
      .describe('keep snapshots carrying every tag of one entry ("a,b")'),
    prune: z.boolean().default(true).describe('remove the data no snapshot needs any more after forgetting'),
  })
  .refine((r) => Object.keys(r).some((k) => k.startsWith('keep_')), 'give at least one keep_* rule')
  .describe("restic's forget --keep-* policy, applied to this job's snapshots only");

export const repositorySchema = z
  .strictObject({
    url: z.string().min(1).describe('a path, s3:…, sftp:… or rest:… URL'),
    password: z
      .string()
      .min(1)
      .optional()
      .describe('the password itself (use ${ENV} rather than writing it here)'),
    password_file: z.string().min(1).optional().describe('file whose first line is the password'),
    password_command: z.string().min(1).optional().describe('shell command printing the password'),
    options: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .describe('backend options as with -o, e.g. s3.region: eu-west-1'),
    unlock_stale_after: duration
      .optional()
      .describe("remove other hosts' locks older than this when locking"),
    create: z.boolean().default(false).describe('create the repository when it does not exist yet'),
    cache: z.boolean().default(true).describe('keep a local metadata cache in the data directory'),
  })
  .refine(
    (r) => [r.password, r.password_file, r.password_command].filter((x) => x !== undefined).length === 1,
    'give exactly one of password, password_file and password_command',
  );

const sample = z.string().refine((s) => {
  try {
    parseDrillSample(s);
    return true;
  } catch {
    return false;
  }
}, 'must be a percentage such as 10% or a number of files');

export const jobRepositorySchema = z.strictObject({
  name: name.describe('a repository defined under repositories'),
  retention: retentionSchema.optional(),
});

export const jobSchema = z.strictObject({
  description: z.string().optional(),
  sources: z
    .array(z.string().min(1).superRefine(checkSourceUri))
    .min(1)
    .describe(
      'what to back up: paths, and source URIs such as mysql://…, sqlite:///… (as `cairn backup` takes them)',
    ),
  excludes: z.array(z.string()).default([]).describe('restic exclude patterns'),
  tags: z.array(z.string()).default([]).describe('extra tags on every snapshot of this job'),
  schedule: scheduleSchema,
  repositories: z
    .array(z.union([name, jobRepositorySchema]))
    .min(1)
    .describe('where to write: the first gets the backup, the others a copy of it'),
  hooks: z
    .strictObject({
      before: z
        .array(z.string())
        .default([])
        .describe('shell commands run before the backup; a failure stops the run'),
      after: z
        .array(z.string())
        .default([])
        .describe('shell commands run after the run (CAIRN_OUTCOME is set)'),
    })
    .default({ before: [], after: [] }),
  drill: z
    .strictObject({
      schedule: scheduleSchema,
      sample: sample.default('10%'),
      repository: name.optional().describe('default: the first repository of the job'),
    })
    .optional(),
  notify: z
    .array(jobRouteSchema)
    .default([])
    .describe(
      "routes for this job's events: a channel name of the notifications section (on failure, warning, recovery) or { channels, on }",
    ),
  expect_success_within: duration
    .optional()
    .describe(
      "dead-man's switch: alert when no backup succeeded for this long (default: twice the schedule's interval)",
    ),
  size_drop_percent: z
    .number()
    .min(1)
    .max(100)
    .default(50)
    .describe('warn when a backup is this many percent smaller than the average of the previous ones'),
  ...jobResourceOptions,
});

export const serverSchema = z
  .strictObject({
    listen: z
      .string()
      .regex(/^(?:\[[0-9a-fA-F:]+\]|[^:\s]+)?:\d{1,5}$/, 'must be HOST:PORT, such as 127.0.0.1:8420')
      .default('127.0.0.1:8420'),
    tokens: z
      .array(z.string().min(16, 'must be at least 16 characters'))
      .default([])
      .describe('bearer tokens for /api and /metrics'),
    restore_roots: z
      .array(z.string().startsWith('/', 'must be an absolute path'))
      .optional()
      .describe('folders the dashboard may restore into (default: anywhere the daemon can write)'),
  })
  .default({ listen: '127.0.0.1:8420', tokens: [] });

export const configSchema = z.strictObject({
  data_dir: z
    .string()
    .optional()
    .describe('history, lock file and caches (default: the folder of --data-dir)'),
  server: serverSchema,
  history: z
    .strictObject({ keep: duration.default('90d').describe('remove runs older than this') })
    .default({ keep: '90d' }),
  log: z
    .strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info') })
    .default({ level: 'info' }),
  repositories: z.record(name, repositorySchema),
  jobs: z.record(name, jobSchema),
  notifications: notificationsSchema
    .optional()
    .describe('notification channels, routes and retries (docs/notifications.md)'),
});

export type CairnConfig = z.output<typeof configSchema>;
export type JobConfig = z.output<typeof jobSchema>;
export type RepositoryConfig = z.output<typeof repositorySchema>;
export type ScheduleConfig = z.output<typeof scheduleSchema>;
export type RetentionConfig = z.output<typeof retentionSchema>;

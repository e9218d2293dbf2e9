/** A job's resource options in `cairn.yaml`: CPU and I/O priority, bandwidth, time window, plain archives. */
import { z } from 'zod';
import { isSourceUri } from '../source/index.js';

/** The sources that are paths on this machine (not mysql://… and other source URIs): what can be watched or tarred. */
export function localSources(sources: string[]): string[] {
  return sources.filter((s) => !isSourceUri(s));
}

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$/;
const clock = z
  .string()
  .regex(CLOCK, 'must be a time of day such as 01:00 or 23:30:15')
  .describe('local time of day, HH:MM or HH:MM:SS');

export const windowSchema = z
  .strictObject({ from: clock, to: clock })
  .refine((w) => w.from !== w.to, 'from and to must differ')
  .describe(
    'runs start only between from and to (local time; from > to spans midnight); a due run waits for the window, a run still going at its end finishes',
  );

/** An archive destination given as a URL (`s3:…`) rather than a local folder. */
export function isArchiveUrl(to: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(to);
}

export const archiveSchema = z
  .strictObject({
    to: z
      .string()
      .min(1)
      .refine(
        (s) => !isArchiveUrl(s) || /^s3:/i.test(s),
        'must be a local folder or an s3: URL (s3:HOST/BUCKET[/PREFIX], as a repository)',
      )
      .describe(
        'a local folder, or an s3: URL (s3:HOST/BUCKET[/PREFIX]), that receives JOB-YYYYMMDD-HHMMSS.tar.zst (or .tar.gz)',
      ),
    format: z.enum(['tar.zst', 'tar.gz']).default('tar.zst'),
    keep: z.int().min(1).default(7).describe("how many of this job's archives to keep there, newest first"),
    options: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .describe(
        'for an s3: URL, the s3.* options a repository takes (s3.region…); credentials from AWS_* as for repositories',
      ),
  })
  .refine((a) => isArchiveUrl(a.to) || Object.keys(a.options).length === 0, {
    message: 'options apply only to an s3: destination',
    path: ['options'],
  })
  .describe("also write a plain archive of the job's local sources per run, which any tar can restore");

const kib = z.int().min(1).describe('KiB/s, as --limit-upload/--limit-download');

export const jobResourceOptions = {
  nice: z.boolean().default(false).describe('run the job at the lowest CPU priority (nice 19)'),
  io_priority: z
    .enum(['normal', 'idle'])
    .default('normal')
    .describe('idle: the job reads and writes only when no one else uses the disk (ionice -c 3)'),
  limit_upload: kib.optional(),
  limit_download: kib.optional(),
  window: windowSchema.optional(),
  archive: archiveSchema.optional(),
};

export type WindowConfig = z.output<typeof windowSchema>;
export type ArchiveConfig = z.output<typeof archiveSchema>;

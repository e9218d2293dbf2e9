/** Parsers for flag values: each returns a typed value or throws CairnError('invalid-argument'). */
import { CairnError } from '../core/index.js';

/** Sizes as restic writes them (1K, 2M…): the one parser, shared with the config's sizes. */
export { parseSize } from '../core/index.js';

/** `--pack-size` in MiB (restic allows 4..128). */
export function parsePackSize(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 4 || n > 128) {
    throw new CairnError(
      'invalid-argument',
      `--pack-size "${text}" must be a whole number of MiB from 4 to 128.`,
    );
  }
  return n * 1024 * 1024;
}

export function parseCompression(text: string): 'auto' | 'off' | 'max' {
  if (text === 'auto' || text === 'off' || text === 'max') return text;
  throw new CairnError('invalid-argument', `--compression "${text}" must be auto, off or max.`);
}

/** `--time "YYYY-MM-DD HH:MM:SS"` in local time → nanoseconds since the epoch. */
export function parseBackupTime(text: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new CairnError('invalid-argument', `--time "${text}" is not "YYYY-MM-DD HH:MM:SS".`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  // Builds a local time from its parts (no clock read); round-tripping catches dates like 2024-02-30.
  const date = new Date(y, mo - 1, d, h, mi, s);
  if (
    date.getFullYear() !== y ||
    date.getMonth() !== mo - 1 ||
    date.getDate() !== d ||
    date.getHours() !== h
  ) {
    throw new CairnError('invalid-argument', `--time "${text}" is not a valid date and time.`);
  }
  return BigInt(date.getTime()) * 1_000_000n;
}

/** Collects a repeatable flag into an array (commander's accumulator). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--tag a,b --tag c` for backup: every tag, comma-separated lists split, duplicates and blanks removed. */
export function flattenTags(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const t of v.split(',')) {
      const tag = t.trim();
      if (tag !== '' && !out.includes(tag)) out.push(tag);
    }
  }
  return out;
}

/** `--tag a,b --tag c` as a filter: each flag is an AND-group, the groups are OR-ed (restic's TagLists). */
export function tagGroups(values: string[]): string[][] {
  return values
    .map((v) =>
      v
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
    )
    .filter((g) => g.length > 0);
}

/** restic's TagList syntax for `--keep-tag a,b`: comma-separated, trimmed, an empty tag kept (it means "no tags"). */
export function tagList(text: string): string[] {
  return text.split(',').map((t) => t.trim());
}

/** A `--keep-*` count: a whole number, or -1 for "all of them" (restic 0.17). */
export function parseKeepCount(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < -1)
    throw new CairnError('invalid-argument', `${flag} "${text}" must be a whole number, or -1 to keep all.`);
  return n;
}

export function parsePositiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new CairnError('invalid-argument', `${flag} "${text}" must be a positive whole number.`);
  return n;
}

export { splitCommandLine } from '../core/index.js';

/** restic's retention durations: `6y5m234d37h` (years, months, days, hours; a later unit of a kind wins). */
import { CairnError } from '../core/index.js';
import type { RetentionDuration } from './retention-time.js';

const UNIT: Record<string, keyof RetentionDuration> = { y: 'years', m: 'months', d: 'days', h: 'hours' };

export const ZERO_DURATION: RetentionDuration = { years: 0, months: 0, days: 0, hours: 0 };

/**
 * Parses restic's duration syntax. Negative parts are refused, as restic ≥ 0.17 does (0.14 took them and kept
 * snapshots newer than the newest one, which is never what was meant).
 */
export function parseRetentionDuration(text: string, flag = 'duration'): RetentionDuration {
  const d = { ...ZERO_DURATION };
  let rest = text.trim();
  while (rest !== '') {
    const m = /^(-?)(\d*)(.?)/su.exec(rest)!;
    const [all, minus, digits, unit] = m as unknown as [string, string, string, string];
    const bad = (why: string): CairnError =>
      new CairnError('invalid-argument', `${flag} "${text}" is not a duration like 1y5m7d2h: ${why}.`);
    if (digits === '') throw bad('no number found');
    if (unit === '') throw bad(`no unit after the number ${minus}${digits}`);
    const key = UNIT[unit];
    if (key === undefined) throw bad(`"${unit}" is not one of the units y, m, d, h`);
    if (minus !== '') throw bad('negative durations are not allowed');
    const n = Number(digits);
    if (!Number.isSafeInteger(n)) throw bad(`${digits} is too large`);
    d[key] = n;
    rest = rest.slice(all.length);
  }
  return d;
}

/** restic's Duration.String(): "1y2m", "7d", "" for zero. */
export function formatRetentionDuration(d: RetentionDuration): string {
  let s = '';
  if (d.years !== 0) s += `${d.years}y`;
  if (d.months !== 0) s += `${d.months}m`;
  if (d.days !== 0) s += `${d.days}d`;
  if (d.hours !== 0) s += `${d.hours}h`;
  return s;
}

export function isZeroDuration(d: RetentionDuration | undefined): boolean {
  return d === undefined || (d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0);
}

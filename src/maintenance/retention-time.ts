/**
 * The calendar arithmetic of restic's retention, as Go's `time` package does it: a snapshot's hour, day, ISO week,
 * month and year are those of its own UTC offset (the one written in its time), and "N days before the newest
 * snapshot" is Go's `AddDate` in that snapshot's location, which is the local zone when the written offset is the
 * local zone's offset at that instant (so a day across a DST change can be 23 or 25 hours), else the fixed offset.
 */
import { civilFromDays, daysFromCivil, parseTimeWithOffset } from '../snapshot/index.js';

const NS = 1_000_000_000n;
const DAY = 86_400;

/** Offset east of UTC in seconds of a zone at an instant (ns since the epoch). */
export type ZoneOffset = (ns: bigint) => number;

/** A snapshot time as Go holds it: the instant and the wall clock of its own offset. */
export interface WallTime {
  ns: bigint;
  /** Wall-clock seconds since 1970-01-01 00:00 in the snapshot's own offset (floored). */
  wallSeconds: number;
  year: number;
  month: number;
  day: number;
  hour: number;
  /** Go's Location of the parsed time: the process's local zone, or a fixed offset (Z is UTC). */
  local: boolean;
  offsetSeconds: number;
}

/** restic's years, months, days and hours (`1y5m7d2h`). */
export interface RetentionDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Parses a snapshot time as Go's `time.Parse(RFC3339)` does, with `localOffset` standing for `time.Local`. */
export function wallTime(text: string, localOffset: ZoneOffset): WallTime {
  const { ns, offsetSeconds } = parseTimeWithOffset(text);
  const zulu = /[Zz]$/.test(text);
  const wallSeconds = Number(floorDiv(ns, NS)) + offsetSeconds;
  const days = Math.floor(wallSeconds / DAY);
  const [year, month, day] = civilFromDays(days);
  const hour = Math.floor((wallSeconds - days * DAY) / 3600);
  const local = !zulu && localOffset(ns) === offsetSeconds;
  return { ns, wallSeconds, year, month, day, hour, local, offsetSeconds };
}

/** Go's `ISOWeek` as YYYYWW. */
function isoYearWeek(t: WallTime): number {
  const days = Math.floor(t.wallSeconds / DAY);
  // 1970-01-01 was a Thursday; the ISO week belongs to the year of its Thursday.
  const weekday = (((days + 3) % 7) + 7) % 7; // Monday = 0
  const thursday = days - weekday + 3;
  const [year] = civilFromDays(thursday);
  return year * 100 + Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1;
}

export type Bucket = 'hour' | 'day' | 'week' | 'month' | 'year';

/** restic's bucket numbers: YYYYMMDDHH, YYYYMMDD, YYYYWW, YYYYMM, YYYY. */
export function bucketOf(t: WallTime, bucket: Bucket): number {
  switch (bucket) {
    case 'hour':
      return t.year * 1_000_000 + t.month * 10_000 + t.day * 100 + t.hour;
    case 'day':
      return t.year * 10_000 + t.month * 100 + t.day;
    case 'week':
      return isoYearWeek(t);
    case 'month':
      return t.year * 100 + t.month;
    case 'year':
      return t.year;
  }
}

/**
 * restic's cutoff `latest.AddDate(-y, -m, -d).Add(-h hours)`: the calendar step is taken on the wall clock of
 * latest's location, then turned back into an instant as Go's `time.Date` does.
 */
export function cutoffBefore(latest: WallTime, d: RetentionDuration, localOffset: ZoneOffset): bigint {
  const days0 = Math.floor(latest.wallSeconds / DAY);
  const secondOfDay = latest.wallSeconds - days0 * DAY;
  const fraction = latest.ns - floorDiv(latest.ns, NS) * NS;
  // Go's Date: months overflow into years, then days overflow into months.
  const monthIndex = latest.month - 1 - d.months;
  const year = latest.year - d.years + Math.floor(monthIndex / 12);
  const month = (((monthIndex % 12) + 12) % 12) + 1;
  const day = latest.day - d.days;
  const wall = (daysFromCivil(year, month, 1) + day - 1) * DAY + secondOfDay;
  let unix = wall - latest.offsetSeconds;
  if (latest.local) {
    // Go: guess the offset at the wall time read as UTC; if the result lies in another zone period, look again.
    const guess = localOffset(BigInt(wall) * NS);
    const second = localOffset(BigInt(wall - guess) * NS);
    unix = wall - second;
  }
  return BigInt(unix) * NS + fraction - BigInt(d.hours) * 3600n * NS;
}

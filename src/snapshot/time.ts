import { CairnError } from '../core/index.js';

const NS_PER_SECOND = 1_000_000_000n;
const SECONDS_PER_DAY = 86_400;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Days since 1970-01-01 → proleptic Gregorian [year, month 1-12, day 1-31] (H. Hinnant's civil_from_days). */
export function civilFromDays(z: number): [number, number, number] {
  z += 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** Proleptic Gregorian date → days since 1970-01-01 (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '000000000'.slice(0, width - s.length) + s;
}

/** The UTC offset in seconds of this process's local zone at an instant (JS reports it in minutes, west positive). */
export function localOffsetSeconds(ns: bigint): number {
  return offsetAtMs(Number(floorDiv(ns, 1_000_000n)));
}

function offsetAtMs(ms: number): number {
  const minutesWest = new Date(ms).getTimezoneOffset();
  // Outside the range of a JS Date there is no zone information: write UTC.
  return Number.isFinite(minutesWest) ? Math.round(-minutesWest * 60) : 0;
}

/**
 * Formats nanoseconds since the epoch like Go's `time.Time.MarshalJSON` (RFC3339Nano): fraction of up to 9 digits
 * without trailing zeros (none if zero), then `Z` for offset 0 or `±HH:MM`. `offsetMinutes` defaults to the local
 * zone of this process at that instant. Years outside 0…9999 are clamped like restic's `fixTime`.
 */
export function formatTime(ns: bigint, offsetMinutes?: number): string {
  const [secs, frac] = splitNs(ns);
  const offset = offsetMinutes === undefined ? offsetAtMs(secs * 1000 + Math.floor(frac / 1e6)) : Math.round(offsetMinutes * 60);
  return formatSplit(secs, frac, offset);
}

/**
 * formatTime in the local zone for many times in a row (a backup formats two per file): the zone's offset, which
 * costs about a microsecond to look up, is remembered per hour when the hour's first and last second have the same
 * one (no zone changes its offset twice within an hour). Made per run, so a changed TZ applies to the next run.
 */
export function localTimeFormatter(): (ns: bigint) => string {
  const offsets = new Map<number, number>();
  const offsetOf = (secs: number): number => {
    const hour = Math.floor(secs / HOUR);
    const known = offsets.get(hour);
    if (known !== undefined) return known;
    const first = offsetAtMs(hour * HOUR * 1000);
    if (first !== offsetAtMs((hour + 1) * HOUR * 1000 - 1)) return offsetAtMs(secs * 1000);
    if (offsets.size >= 100_000) offsets.clear();
    offsets.set(hour, first);
    return first;
  };
  return (ns) => {
    const [secs, frac] = splitNs(ns);
    return formatSplit(secs, frac, offsetOf(secs));
  };
}

const HOUR = 3600;

/** Whole seconds (floored) and the nanoseconds past them, as doubles: exact, an int64 of ns has < 2^34 seconds. */
function splitNs(ns: bigint): [number, number] {
  const secs = Number(ns / NS_PER_SECOND);
  const frac = Number(ns % NS_PER_SECOND);
  return frac < 0 ? [secs - 1, frac + 1e9] : [secs, frac];
}

function formatSplit(secs: number, frac: number, offset: number): string {
  const wall = secs + offset;
  const days = Math.floor(wall / SECONDS_PER_DAY);
  const sod = wall - days * SECONDS_PER_DAY;
  let s = datePrefix(days) + TWO[Math.floor(sod / 3600)]! + ':' + TWO[Math.floor(sod / 60) % 60]! + ':' + TWO[sod % 60]!;
  if (frac !== 0) s += '.' + trimZeros(pad(frac, 9));
  return s + zoneSuffix(offset);
}

const suffixes = new Map<number, string>();

/** `Z` or `±HH:MM` of an offset in seconds (Go truncates it to whole minutes, toward zero, and prints that sign). */
function zoneSuffix(offset: number): string {
  let suffix = suffixes.get(offset);
  if (suffix === undefined) {
    const zone = Math.trunc(offset / 60);
    const abs = Math.abs(zone);
    suffix = offset === 0 ? 'Z' : `${zone < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
    if (suffixes.size < 1000) suffixes.set(offset, suffix);
  }
  return suffix;
}

/** "00" … "99": formatting runs twice per file of a backup. */
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

const prefixes = new Map<number, string>();

/**
 * `YYYY-MM-DDT` of a day (years clamped as restic's `fixTime` does). Remembered per day: a file's mtime and ctime
 * are usually on different days, so remembering only the last one missed nearly every time.
 */
function datePrefix(days: number): string {
  const known = prefixes.get(days);
  if (known !== undefined) return known;
  let [y, m, d] = civilFromDays(days);
  if (y < 0) y = 0;
  if (y > 9999) {
    y = 9999;
    // Go's AddDate normalizes Feb 29 of a leap year into Mar 1 of 9999, which is not one.
    if (m === 2 && d === 29) [m, d] = [3, 1];
  }
  const prefix = `${pad(y, 4)}-${TWO[m]!}-${TWO[d]!}T`;
  if (prefixes.size >= 100_000) prefixes.clear();
  prefixes.set(days, prefix);
  return prefix;
}

function trimZeros(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--;
  return s.slice(0, end);
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 time (any fraction length, `Z` or `±HH:MM`) into nanoseconds since the epoch. Digits past
 * the ninth are dropped, as Go does. Throws CairnError 'invalid-argument' for anything else.
 */
export function parseTime(s: string): bigint {
  return parseTimeWithOffset(s).ns;
}

/** `parseTime` plus the UTC offset written in the text (seconds east), which is the zone restic computes in. */
export function parseTimeWithOffset(s: string): { ns: bigint; offsetSeconds: number } {
  const m = RFC3339.exec(s);
  if (m === null) throw new CairnError('invalid-argument', `"${s}" is not an RFC 3339 time.`);
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const monthDays = [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const zh = m[10] === undefined ? 0 : Number(m[10]);
  const zm = m[11] === undefined ? 0 : Number(m[11]);
  if (
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    d > monthDays[mo - 1]! ||
    h > 23 ||
    mi > 59 ||
    sec > 59 ||
    zh > 23 ||
    zm > 59
  ) {
    throw new CairnError('invalid-argument', `"${s}" is not a valid RFC 3339 time.`);
  }
  const fraction = BigInt((m[7] ?? '').slice(0, 9).padEnd(9, '0'));
  const offset = (m[9] === '-' ? -1 : 1) * (zh * 3600 + zm * 60);
  const secs = daysFromCivil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + sec - offset;
  return { ns: BigInt(secs) * NS_PER_SECOND + fraction, offsetSeconds: offset };
}

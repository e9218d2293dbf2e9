/**
 * restic's retention policy (`forget --keep-*`) as a pure function: a group of snapshots, a policy and the
 * current time in, which snapshots to keep (with restic's reasons and counters) and which to remove out. It
 * follows restic 0.14's `ApplyPolicy` decision for decision, plus restic 0.17's `-1` for "keep all of a kind".
 */
import type { Snapshot } from '../core/index.js';
import { hasTags } from '../snapshot/index.js';
import { formatRetentionDuration, isZeroDuration } from './retention-duration.js';
import type { Bucket, RetentionDuration, WallTime, ZoneOffset } from './retention-time.js';
import { bucketOf, cutoffBefore, wallTime } from './retention-time.js';

export interface RetentionPolicy {
  /** How many of the newest snapshots / hours / days / ISO weeks / months / years to keep; -1: all of them. */
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  /** Keep every snapshot newer than this before the newest snapshot. */
  within?: RetentionDuration;
  withinHourly?: RetentionDuration;
  withinDaily?: RetentionDuration;
  withinWeekly?: RetentionDuration;
  withinMonthly?: RetentionDuration;
  withinYearly?: RetentionDuration;
  /** Keep snapshots that carry every tag of at least one list (`--keep-tag a,b --keep-tag c`). */
  tags?: string[][];
}

/** restic's counters after a kept snapshot: how many of each kind may still be kept (-1: unlimited). */
export interface KeepCounters {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
}

export interface KeepReason<T> {
  snapshot: T;
  /** restic's reason strings: "last snapshot", "daily snapshot", "within 7d", "daily within 30d", "has tags [a]". */
  matches: string[];
  counters: KeepCounters;
}

export interface PolicyResult<T> {
  /** Newest first, as restic lists them. */
  keep: T[];
  remove: T[];
  /** One per kept snapshot, in the order of `keep`. */
  reasons: KeepReason<T>[];
}

export interface PolicyClock {
  /** Nanoseconds since the epoch: snapshots after this do not count as the newest one. */
  now: bigint;
  /** The local zone's offset (seconds east) at an instant: what Go calls `time.Local`. */
  localOffset: ZoneOffset;
}

const COUNTED = [
  ['last', undefined, 'last snapshot'],
  ['hourly', 'hour', 'hourly snapshot'],
  ['daily', 'day', 'daily snapshot'],
  ['weekly', 'week', 'weekly snapshot'],
  ['monthly', 'month', 'monthly snapshot'],
  ['yearly', 'year', 'yearly snapshot'],
] as const satisfies readonly (readonly [keyof KeepCounters, Bucket | undefined, string])[];

const WITHIN = [
  ['withinHourly', 'hour', 'hourly'],
  ['withinDaily', 'day', 'daily'],
  ['withinWeekly', 'week', 'weekly'],
  ['withinMonthly', 'month', 'monthly'],
  ['withinYearly', 'year', 'yearly'],
] as const satisfies readonly (readonly [keyof RetentionPolicy, Bucket, string])[];

/** True when no `--keep-*` was given: restic then removes nothing. */
export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return (
    (p.tags ?? []).length === 0 &&
    COUNTED.every(([k]) => (p[k] ?? 0) === 0) &&
    isZeroDuration(p.within) &&
    WITHIN.every(([k]) => isZeroDuration(p[k]))
  );
}

/** restic's `ExpirePolicy.String()` ("keep 3 latest snapshots, 7 daily snapshots and all snapshots within 2d…"). */
export function describePolicy(p: RetentionPolicy): string {
  const names = { last: 'latest', hourly: 'hourly', daily: 'daily', weekly: 'weekly', monthly: 'monthly', yearly: 'yearly' };
  const keeps: string[] = [];
  for (const [k] of COUNTED) {
    const n = p[k] ?? 0;
    if (n > 0) keeps.push(`${n} ${names[k]}`);
    else if (n === -1) keeps.push(`all ${names[k]}`);
  }
  const within = WITHIN.filter(([k]) => !isZeroDuration(p[k])).map(
    ([k, , word]) => `${word} snapshots within ${formatRetentionDuration(p[k]!)}`,
  );
  let s = keeps.length > 0 ? `${keeps.join(', ')} snapshots` : '';
  if (within.length > 0) s += (s === '' ? '' : ', ') + within.join(', ');
  if ((p.tags ?? []).length > 0) s += `${s === '' ? '' : ' and '}all snapshots with tags ${tagLists(p.tags!)}`;
  if (!isZeroDuration(p.within)) {
    s += `${s === '' ? '' : ' and '}all snapshots within ${formatRetentionDuration(p.within!)} of the newest`;
  }
  return `keep ${s}`;
}

/** Go's `%v` of a TagList: "[a, b]". */
function tagList(tags: readonly string[]): string {
  return `[${tags.join(', ')}]`;
}

function tagLists(lists: readonly string[][]): string {
  return `[${lists.map(tagList).join(' ')}]`;
}

/**
 * Applies the policy to one group of snapshots. Snapshots are taken newest first (ties keep their given order);
 * an empty policy keeps everything with the reason "policy is empty", as restic does.
 */
export function applyPolicy<T extends Snapshot>(
  snapshots: readonly T[],
  policy: RetentionPolicy,
  clock: PolicyClock,
): PolicyResult<T> {
  const list = snapshots
    .map((s, i) => ({ s, i, t: wallTime(s.time, clock.localOffset) }))
    .sort((a, b) => (a.t.ns === b.t.ns ? a.i - b.i : a.t.ns > b.t.ns ? -1 : 1));
  if (isEmptyPolicy(policy)) {
    const keep = list.map((e) => e.s);
    return { keep, remove: [], reasons: keep.map((snapshot) => ({ snapshot, matches: ['policy is empty'], counters: {} })) };
  }
  const result: PolicyResult<T> = { keep: [], remove: [], reasons: [] };
  if (list.length === 0) return result;

  // The newest snapshot that is not in the future; without one, every time counts as within.
  let latest: WallTime | undefined;
  for (const { t } of list) if (t.ns < clock.now && (latest === undefined || t.ns > latest.ns)) latest = t;
  const isWithin = (d: RetentionDuration, t: WallTime): boolean =>
    latest === undefined || t.ns > cutoffBefore(latest, d, clock.localOffset);

  const counts = COUNTED.map(([k]) => policy[k] ?? 0);
  const lastBucket: (number | undefined)[] = COUNTED.map(() => undefined);
  const lastWithin: (number | undefined)[] = WITHIN.map(() => undefined);

  list.forEach(({ s, t }, nr) => {
    const matches: string[] = [];
    for (const l of policy.tags ?? []) if (hasTags(s, l)) matches.push(`has tags ${tagList(l)}`);
    if (!isZeroDuration(policy.within) && isWithin(policy.within!, t)) {
      matches.push(`within ${formatRetentionDuration(policy.within!)}`);
    }
    COUNTED.forEach(([, bucket, reason], i) => {
      if (counts[i]! <= 0 && counts[i] !== -1) return;
      const val = bucket === undefined ? nr : bucketOf(t, bucket);
      if (val === lastBucket[i]) return;
      lastBucket[i] = val;
      if (counts[i]! > 0) counts[i]!--;
      matches.push(reason);
    });
    WITHIN.forEach(([k, bucket, word], i) => {
      const d = policy[k];
      if (isZeroDuration(d) || !isWithin(d!, t)) return;
      const val = bucketOf(t, bucket);
      if (val === lastWithin[i]) return;
      lastWithin[i] = val;
      matches.push(`${word} within ${formatRetentionDuration(d!)}`);
    });
    if (matches.length === 0) {
      result.remove.push(s);
      return;
    }
    result.keep.push(s);
    const counters: KeepCounters = {};
    // restic's JSON leaves zero counters out.
    COUNTED.forEach(([k], i) => {
      if (counts[i] !== 0) counters[k] = counts[i]!;
    });
    result.reasons.push({ snapshot: s, matches, counters });
  });
  return result;
}

// restic 0.14's `forget --dry-run --json` is the oracle: same snapshots, same policy, same decisions and reasons.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Snapshot, StoredSnapshot } from '../core/index.js';
import { formatTime } from '../snapshot/index.js';
import { RESTIC } from '../../test/harness/restic.js';
import { systemClock } from '../util/index.js';
import type { RetentionPolicy } from './index.js';
import { applyPolicy, groupSnapshots, parseGroupBy, parseRetentionDuration } from './index.js';
import type { OracleGroup } from './testing/retention-oracle.js';
import { groupOrder, oracleRepo, zoneOffset } from './testing/retention-oracle.js';

const TZ = 'Europe/Berlin';
const berlin = zoneOffset(TZ);
const newYork = zoneOffset('America/New_York');

/** A time written as a machine in `zone` writes it: Berlin and New York with their offset then, or a fixed one. */
function timeIn(ms: number, zone: 'berlin' | 'new-york' | 'kolkata' | 'utc', extraNs = 0n): string {
  const ns = BigInt(ms) * 1_000_000n + extraNs;
  const offset = { berlin: berlin(ns) / 60, 'new-york': newYork(ns) / 60, kolkata: 330, utc: 0 }[zone];
  return formatTime(ns, offset);
}

/** The flags restic takes for a policy (the counterpart of the CLI's parsing). */
function policyFlags(p: RetentionPolicy & { raw?: Record<string, string> }): string[] {
  const flags: string[] = [];
  for (const [k, flag] of [
    ['last', '--keep-last'],
    ['hourly', '--keep-hourly'],
    ['daily', '--keep-daily'],
    ['weekly', '--keep-weekly'],
    ['monthly', '--keep-monthly'],
    ['yearly', '--keep-yearly'],
  ] as const) {
    if (p[k] !== undefined) flags.push(flag, String(p[k]));
  }
  for (const [flag, text] of Object.entries(p.raw ?? {})) flags.push(flag, text);
  for (const t of p.tags ?? []) flags.push('--keep-tag', t.join(','));
  return flags;
}

function withDurations(p: RetentionPolicy, raw: Record<string, string>): RetentionPolicy & { raw: Record<string, string> } {
  const out: RetentionPolicy & { raw: Record<string, string> } = { ...p, raw };
  const keys = {
    '--keep-within': 'within',
    '--keep-within-hourly': 'withinHourly',
    '--keep-within-daily': 'withinDaily',
    '--keep-within-weekly': 'withinWeekly',
    '--keep-within-monthly': 'withinMonthly',
    '--keep-within-yearly': 'withinYearly',
  } as const;
  for (const [flag, text] of Object.entries(raw)) out[keys[flag as keyof typeof keys]] = parseRetentionDuration(text);
  return out;
}

function ours(snaps: StoredSnapshot[], policy: RetentionPolicy, groupBy: string, tz: string): OracleGroup[] {
  const now = systemClock.nowNs();
  const localOffset = tz === TZ ? berlin : zoneOffset(tz);
  return groupSnapshots(snaps, parseGroupBy(groupBy))
    .map((g) => {
      const r = applyPolicy(g.snapshots, policy, { now, localOffset });
      return {
        host: g.key.host,
        paths: g.key.paths ?? null,
        tags: g.key.tags ?? null,
        keep: r.keep.map((s) => s.id),
        remove: r.remove.map((s) => s.id),
        reasons: r.reasons.map((k) => ({ matches: k.matches, counters: { ...k.counters } })),
      };
    })
    .sort((a, b) => groupOrder(a).localeCompare(groupOrder(b)));
}

async function compare(
  docs: Omit<Snapshot, 'tree'>[],
  policy: RetentionPolicy & { raw?: Record<string, string> },
  groupBy = 'host,paths',
  tz = TZ,
): Promise<OracleGroup[]> {
  const repo = await oracleRepo(RESTIC!, docs);
  try {
    const snaps = docs.map((d, i) => ({ ...d, tree: '', id: repo.ids[i]! }));
    const expected = repo.forget([...policyFlags(policy), '--group-by', groupBy], tz);
    const actual = ours(snaps, policy, groupBy, tz);
    expect(actual).toEqual(expected);
    return actual;
  } finally {
    await repo.close();
  }
}

const HOUR = 3_600_000;
const snap = (time: string, extra: Partial<Snapshot> = {}): Omit<Snapshot, 'tree'> => ({
  time,
  paths: ['/data'],
  hostname: 'school',
  ...extra,
});

describe.runIf(RESTIC !== undefined)('retention, with restic 0.14 as the oracle', () => {
  it('counts days across the spring DST change in Berlin, in each snapshot own offset', async () => {
    const start = Date.UTC(2024, 2, 29, 10);
    const docs = Array.from({ length: 20 }, (_, i) => snap(timeIn(start + i * 5 * HOUR, 'berlin')));
    const groups = await compare(docs, { daily: 3, hourly: 2, last: 1 });
    expect(groups[0]!.reasons[0]!.matches).toEqual(['last snapshot', 'hourly snapshot', 'daily snapshot']);
  });

  it('measures --keep-within from the newest snapshot across the autumn DST change (a 25-hour day)', async () => {
    const start = Date.UTC(2024, 9, 26, 0);
    const docs = Array.from({ length: 30 }, (_, i) => snap(timeIn(start + i * HOUR + 1234, 'berlin')));
    await compare(docs, withDurations({}, { '--keep-within': '1d' }));
    await compare(docs, withDurations({}, { '--keep-within-hourly': '1d2h', '--keep-within-daily': '2d' }));
  });

  it('uses a fixed offset for snapshots written elsewhere, and keeps leap days and ISO weeks apart', async () => {
    const docs = [
      snap(timeIn(Date.UTC(2024, 1, 28, 22, 30), 'kolkata')),
      snap(timeIn(Date.UTC(2024, 1, 29, 20, 0), 'kolkata')),
      snap(timeIn(Date.UTC(2024, 2, 1, 23, 30), 'new-york')),
      snap(timeIn(Date.UTC(2020, 11, 31, 23, 30), 'utc')),
      snap(timeIn(Date.UTC(2021, 0, 3, 23, 30), 'berlin')),
      snap(timeIn(Date.UTC(2021, 0, 4, 0, 30), 'utc', 5n)),
    ];
    await compare(docs, { daily: 10, weekly: 10 });
    await compare(docs, withDurations({ yearly: 2 }, { '--keep-within-monthly': '1m' }));
  });

  it('reads +00:00 as the local zone of London but Z as UTC, as Go does', async () => {
    const day = withDurations({}, { '--keep-within': '1d' });
    const docs = (newest: string) => [snap('2024-10-26T11:30:00Z'), snap('2024-10-26T12:45:00+01:00'), snap(newest)];
    const local = await compare(docs('2024-10-27T12:00:00+00:00'), day, 'host,paths', 'Europe/London');
    const utc = await compare(docs('2024-10-27T12:00:00Z'), day, 'host,paths', 'Europe/London');
    expect([local[0]!.keep.length, utc[0]!.keep.length]).toEqual([3, 1]);
  });

  it('keeps tagged snapshots and groups by tags, with a snapshot in the future not counting as the newest', async () => {
    const docs = [
      snap(timeIn(Date.UTC(2023, 5, 1), 'berlin'), { tags: ['monthly', 'db'] }),
      snap(timeIn(Date.UTC(2023, 5, 2), 'berlin'), { tags: ['db'] }),
      snap(timeIn(Date.UTC(2023, 5, 3), 'berlin'), { hostname: 'other' }),
      snap(timeIn(Date.UTC(2090, 0, 1), 'berlin')),
      snap(timeIn(Date.UTC(2023, 5, 4), 'berlin'), { paths: ['/srv', '/data'] }),
    ];
    await compare(docs, withDurations({ tags: [['db', 'monthly'], ['']] }, { '--keep-within': '1d' }));
    await compare(docs, { last: 1 }, 'tags');
    await compare(docs, { last: 1 }, 'host,paths,tags');
    await compare(docs, { last: 1 }, '');
  });

  it('agrees on random snapshot sets, policies and groupings', async () => {
    const anchors = [
      Date.UTC(2024, 2, 31, 1), // Berlin springs forward
      Date.UTC(2024, 9, 27, 1), // Berlin falls back
      Date.UTC(2024, 1, 29, 12), // leap day
      Date.UTC(2020, 11, 31, 23), // the year ends inside ISO week 53
    ];
    const count = fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined });
    const duration = fc.option(fc.constantFrom('2h', '1d', '1d3h', '3d', '5d', '1m', '1y'), {
      nil: undefined,
    });
    const arbSnap = fc.record({
      anchor: fc.constantFrom(...anchors),
      seconds: fc.integer({ min: -4 * 86_400, max: 4 * 86_400 }),
      nanos: fc.constantFrom(0n, 1n, 999_999_999n),
      zone: fc.constantFrom('berlin', 'berlin', 'new-york', 'kolkata', 'utc'),
      host: fc.constantFrom('a', 'b'),
      paths: fc.constantFrom(['/x'], ['/y', '/x']),
      tags: fc.constantFrom([], ['keep'], ['x', 'keep']),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(arbSnap, { minLength: 1, maxLength: 25, selector: (s) => s.anchor + s.seconds * 1000 }),
        fc.record({ last: count, hourly: count, daily: count, weekly: count, monthly: count, yearly: count }),
        fc.record({ within: duration, hourly: duration, daily: duration, weekly: duration, monthly: duration }),
        fc.boolean(),
        fc.constantFrom('host,paths', 'host', '', 'tags', 'paths,tags'),
        async (specs, counts, withins, keepTag, groupBy) => {
          const docs = specs.map((s) =>
            snap(timeIn(s.anchor + s.seconds * 1000, s.zone as 'berlin', s.nanos), {
              hostname: s.host,
              paths: [...s.paths],
              ...(s.tags.length > 0 ? { tags: [...s.tags] } : {}),
            }),
          );
          const p: RetentionPolicy = {};
          for (const [k, v] of Object.entries(counts)) if (v !== undefined) p[k as 'last'] = v;
          if (keepTag) p.tags = [['keep', 'x']];
          const raw: Record<string, string> = {};
          for (const [k, v] of Object.entries(withins)) {
            if (v !== undefined) raw[k === 'within' ? '--keep-within' : `--keep-within-${k}`] = v;
          }
          if (Object.keys(p).length === 0 && Object.keys(raw).length === 0) p.last = 1;
          await compare(docs, withDurations(p, raw), groupBy);
        },
      ),
      { numRuns: 8 },
    );
  }, 30_000);
});

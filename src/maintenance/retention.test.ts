import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../core/index.js';
import type { RetentionPolicy } from './index.js';
import {
  applyPolicy,
  describePolicy,
  formatRetentionDuration,
  groupSnapshots,
  parseGroupBy,
  parseRetentionDuration,
} from './index.js';
import { zoneOffset } from './testing/retention-oracle.js';

const NOW = BigInt(Date.UTC(2030, 0, 1)) * 1_000_000n;
const berlin = { now: NOW, localOffset: zoneOffset('Europe/Berlin') };
const london = { now: NOW, localOffset: zoneOffset('Europe/London') };

const snaps = (...times: string[]): (Snapshot & { id: string })[] =>
  times.map((time, i) => ({ id: `s${i}`, time, tree: 't', paths: ['/p'] }));

function decide(times: string[], policy: RetentionPolicy, clock = berlin): { keep: string[]; why: string[][] } {
  const r = applyPolicy(snaps(...times), policy, clock);
  return { keep: r.keep.map((s) => s.time), why: r.reasons.map((k) => k.matches) };
}

describe('applyPolicy', () => {
  it('keeps everything with "policy is empty" for an empty policy', () => {
    const r = applyPolicy(snaps('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'), {}, berlin);
    expect(r.remove).toEqual([]);
    expect(r.reasons.map((k) => k.matches)).toEqual([['policy is empty'], ['policy is empty']]);
  });

  it('treats -1 as "all of this kind" and reports the counter as -1', () => {
    const times = ['2024-01-01T01:00:00Z', '2024-01-01T02:00:00Z', '2024-01-02T01:00:00Z', '2024-01-03T01:00:00Z'];
    const r = applyPolicy(snaps(...times), { daily: -1 }, berlin);
    expect(r.keep.map((s) => s.id)).toEqual(['s3', 's2', 's1']);
    expect(r.remove.map((s) => s.id)).toEqual(['s0']);
    expect(r.reasons[0]!.counters).toEqual({ daily: -1 });
  });

  it('counts down and leaves zero counters out', () => {
    const r = applyPolicy(snaps('2024-01-01T01:00:00Z', '2024-01-02T01:00:00Z'), { last: 1, daily: 2 }, berlin);
    expect(r.reasons.map((k) => k.counters)).toEqual([{ daily: 1 }, {}]);
  });

  it('puts a Sunday at the turn of the year into the ISO week of the old year', () => {
    // 2021-01-03 is a Sunday of week 2020-53; 2021-01-04 starts week 2021-01.
    const times = ['2021-01-01T10:00:00+01:00', '2021-01-03T10:00:00+01:00', '2021-01-04T10:00:00+01:00'];
    expect(decide(times, { weekly: 5 }).keep).toEqual([times[2], times[1]]);
  });

  it('takes the day of the offset written in the snapshot, not of the local zone', () => {
    // 23:30 on the 1st in New York is already the 2nd in Berlin; restic counts it as the 1st.
    const times = ['2024-03-01T12:00:00-05:00', '2024-03-01T23:30:00-05:00', '2024-03-02T06:00:00+01:00'];
    expect(decide(times, { daily: 5 }).keep).toEqual([times[2], times[1]]);
  });

  it('measures one day back from the newest snapshot as a calendar day in the local zone (23 hours over DST)', () => {
    const newest = '2024-03-31T12:00:00+02:00';
    const inside = '2024-03-30T12:30:00+01:00'; // 22.5 hours before
    const outside = '2024-03-30T11:30:00+01:00'; // 23.5 hours before: before the cutoff of a 23-hour day
    expect(decide([outside, inside, newest], { within: parseRetentionDuration('1d') })).toEqual({
      keep: [newest, inside],
      why: [['within 1d'], ['within 1d']],
    });
  });

  it('uses a fixed offset for a time written with another offset than the local one, and UTC for Z', () => {
    const day = { within: parseRetentionDuration('1d') };
    // London springs forward: +01:00 is local, so one day back from noon is noon GMT (23 hours).
    expect(decide(['2024-03-30T11:30:00Z', '2024-03-31T12:00:00+01:00'], day, london).keep).toHaveLength(1);
    // London falls back: +00:00 is local (a 25-hour day back), Z is Go's UTC (24 hours).
    expect(decide(['2024-10-26T11:30:00Z', '2024-10-27T12:00:00+00:00'], day, london).keep).toHaveLength(2);
    expect(decide(['2024-10-26T11:30:00Z', '2024-10-27T12:00:00Z'], day, london).keep).toHaveLength(1);
    // An offset that is not London's is fixed: exactly 24 hours.
    expect(decide(['2024-03-30T12:30:00+05:30', '2024-03-31T12:00:00+05:30'], day, london).keep).toHaveLength(2);
    expect(decide(['2024-03-30T11:30:00+05:30', '2024-03-31T12:00:00+05:30'], day, london).keep).toHaveLength(1);
  });

  it('does not take a snapshot from the future as the newest one', () => {
    const times = ['2024-01-01T00:00:00Z', '2024-01-01T12:00:00Z', '2099-01-01T00:00:00Z'];
    expect(decide(times, { within: parseRetentionDuration('1d') }).keep).toEqual([times[2], times[1], times[0]]);
    expect(decide(times, { within: parseRetentionDuration('2h') }).keep).toEqual([times[2], times[1]]);
  });

  it('keeps tagged snapshots with "has tags [a, b]", the empty tag matching untagged ones', () => {
    const list = [
      { id: 'x', time: '2024-01-01T00:00:00Z', tree: 't', paths: ['/p'], tags: ['b', 'a'] },
      { id: 'y', time: '2024-01-02T00:00:00Z', tree: 't', paths: ['/p'], tags: ['a'] },
      { id: 'z', time: '2024-01-03T00:00:00Z', tree: 't', paths: ['/p'] },
    ];
    const r = applyPolicy(list, { tags: [['a', 'b'], ['']] }, berlin);
    expect(r.reasons.map((k) => [k.snapshot.id, k.matches])).toEqual([
      ['z', ['has tags []']],
      ['x', ['has tags [a, b]']],
    ]);
  });
});

describe('durations, grouping and the policy text', () => {
  it('parses and prints restic durations; a later unit of a kind wins', () => {
    expect(parseRetentionDuration('1y5m7d2h')).toEqual({ years: 1, months: 5, days: 7, hours: 2 });
    expect(formatRetentionDuration(parseRetentionDuration(' 2d1d '))).toBe('1d');
    expect(formatRetentionDuration(parseRetentionDuration(''))).toBe('');
  });

  it.each([
    ['7x', /"x" is not one of the units/],
    ['7', /no unit after the number 7/],
    ['d', /no number found/],
    ['-1d', /negative durations are not allowed/],
  ])('refuses the duration %s in one sentence', (text, message) => {
    expect(() => parseRetentionDuration(text, '--keep-within')).toThrow(message);
  });

  it('groups by host and sorted paths by default, by nothing with an empty --group-by', () => {
    const list = [
      { id: '1', time: '2024-01-01T00:00:00Z', tree: 't', paths: ['/b', '/a'], hostname: 'h' },
      { id: '2', time: '2024-01-02T00:00:00Z', tree: 't', paths: ['/a', '/b'], hostname: 'h' },
      { id: '3', time: '2024-01-03T00:00:00Z', tree: 't', paths: ['/a'], hostname: 'h', tags: ['z', 'y'] },
    ];
    expect(groupSnapshots(list, parseGroupBy('host,paths')).map((g) => [g.key, g.snapshots.map((s) => s.id)])).toEqual([
      [{ host: 'h', paths: ['/a', '/b'], tags: undefined }, ['1', '2']],
      [{ host: 'h', paths: ['/a'], tags: undefined }, ['3']],
    ]);
    expect(groupSnapshots(list, parseGroupBy(''))).toHaveLength(1);
    expect(groupSnapshots(list, parseGroupBy('tag'))[0]!.key.tags).toEqual(['y', 'z']);
    expect(() => parseGroupBy('host,day')).toThrow(/unknown option "day"/);
  });

  it("describes a policy in restic's words", () => {
    const p: RetentionPolicy = {
      last: 3,
      daily: -1,
      withinDaily: parseRetentionDuration('1m'),
      tags: [['a', 'b'], ['c']],
      within: parseRetentionDuration('2d'),
    };
    expect(describePolicy(p)).toBe(
      'keep 3 latest, all daily snapshots, daily snapshots within 1m and all snapshots with tags [[a, b] [c]] and ' +
        'all snapshots within 2d of the newest',
    );
  });
});

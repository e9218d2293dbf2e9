import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isCairnError } from '../core/index.js';
import { formatTime, localTimeFormatter, parseTime } from './time.js';

const originalTz = process.env.TZ;
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe('formatTime', () => {
  it('writes a whole second in UTC without fraction and with Z', () => {
    expect(formatTime(1_704_164_645_000_000_000n, 0)).toBe('2024-01-02T03:04:05Z');
  });

  it('writes up to nine fraction digits without trailing zeros', () => {
    expect(formatTime(1_704_164_645_396_631_083n, 0)).toBe('2024-01-02T03:04:05.396631083Z');
    expect(formatTime(1_704_164_645_120_000_000n, 0)).toBe('2024-01-02T03:04:05.12Z');
    expect(formatTime(1_704_164_645_000_000_001n, 0)).toBe('2024-01-02T03:04:05.000000001Z');
  });

  it('writes a non-zero offset as ±HH:MM and shifts the wall clock', () => {
    expect(formatTime(0n, 120)).toBe('1970-01-01T02:00:00+02:00');
    expect(formatTime(0n, -330)).toBe('1969-12-31T18:30:00-05:30');
  });

  it('handles instants before 1970', () => {
    expect(formatTime(-1n, 0)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatTime(-62_135_596_800_000_000_000n, 0)).toBe('0001-01-01T00:00:00Z');
  });

  it("uses this process's local zone by default, with daylight saving time", () => {
    process.env.TZ = 'Europe/Berlin';
    expect(formatTime(1_704_164_645_000_000_000n)).toBe('2024-01-02T04:04:05+01:00');
    expect(formatTime(1_719_889_445_500_000_000n)).toBe('2024-07-02T05:04:05.5+02:00');
    process.env.TZ = 'UTC';
    expect(formatTime(1_704_164_645_000_000_000n)).toBe('2024-01-02T03:04:05Z');
  });

  it('falls back to UTC for instants a JS Date cannot hold', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(formatTime(parseTime('9999-01-01T00:00:00Z') * 100n)).toMatch(/^9999-.*Z$/);
  });

  it('clamps years above 9999 like restic, moving Feb 29 to Mar 1', () => {
    const year10000 = parseTime('9999-12-31T23:59:59Z') + 1_000_000_000n;
    expect(formatTime(year10000, 0)).toBe('9999-01-01T00:00:00Z');
    const feb29 = parseTime('9999-02-28T12:00:00Z') + BigInt(366 * 86400) * 1_000_000_000n; // 10000-02-29
    expect(formatTime(feb29, 0)).toBe('9999-03-01T12:00:00Z');
  });
});

describe('localTimeFormatter', () => {
  // It remembers the zone's offset per hour: around a change of offset every second must still be right.
  it.each(['Europe/Berlin', 'Australia/Lord_Howe', 'Europe/Paris', 'America/St_Johns', 'UTC'])(
    'writes what formatTime writes in %s, across changes of the offset',
    (tz) => {
      process.env.TZ = tz;
      const format = localTimeFormatter();
      const instants = [
        parseTime('2024-03-31T00:59:58Z'), // Berlin: +01:00 → +02:00 at 01:00 UTC
        parseTime('2024-10-27T00:59:58Z'),
        parseTime('2024-04-06T14:59:58Z'), // Lord Howe: +11:00 → +10:30 at 15:00 UTC
        parseTime('1911-03-10T23:50:37Z'), // Paris: local mean time (+00:09:21) → UTC
        parseTime('2024-03-10T05:29:58Z'), // St. John's: -03:30 → -02:30
      ];
      for (const t of instants)
        for (let s = 0n; s < 5n; s++) {
          const ns = t + s * 1_000_000_000n + 123n;
          expect(format(ns)).toBe(formatTime(ns));
        }
      fc.assert(
        fc.property(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), (ns) => format(ns) === formatTime(ns)),
      );
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: 2n ** 61n }), (ns) => format(ns) === formatTime(ns)),
        { numRuns: 2000 },
      );
    },
  );
});

describe('parseTime', () => {
  it('reads Z and offsets to the same instant', () => {
    const utc = parseTime('2024-01-02T03:04:05Z');
    expect(utc).toBe(1_704_164_645_000_000_000n);
    expect(parseTime('2024-01-02T04:04:05+01:00')).toBe(utc);
    expect(parseTime('2024-01-01T21:34:05-05:30')).toBe(utc);
  });

  it('reads fractions of any length, dropping digits past nanoseconds', () => {
    expect(parseTime('1970-01-01T00:00:00.5Z')).toBe(500_000_000n);
    expect(parseTime('1970-01-01T00:00:00.1234567899Z')).toBe(123_456_789n);
  });

  it('reads years below 100 literally (no 19xx mapping)', () => {
    expect(parseTime('0001-01-01T00:00:00Z')).toBe(-62_135_596_800_000_000_000n);
    expect(parseTime('0000-03-01T00:00:00Z')).toBe(-62_162_035_200_000_000_000n);
  });

  it.each([
    '2024-01-02 03:04:05Z',
    '2024-13-01T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-01-02T03:04:05',
    '',
  ])('rejects %j', (s) => {
    let caught: unknown;
    try {
      parseTime(s);
    } catch (err) {
      caught = err;
    }
    expect(isCairnError(caught, 'invalid-argument')).toBe(true);
  });

  it('inverts formatTime for any instant in years 1…9999 and any whole-minute offset', () => {
    const min = parseTime('0001-01-02T00:00:00Z');
    const max = parseTime('9999-12-30T00:00:00Z');
    fc.assert(
      fc.property(fc.bigInt({ min, max }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (ns, offset) => {
        expect(parseTime(formatTime(ns, offset))).toBe(ns);
      }),
      { numRuns: 2000 },
    );
  });
});

/** RFC3339Nano in UTC, as Go prints it (fraction without trailing zeros, omitted when zero). */
export function formatTimeUtc(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  const trimmed = frac.replace(/0+$/, '');
  return `${base}${trimmed ? `.${trimmed}` : ''}Z`;
}

/** Milliseconds since the epoch of an RFC 3339 time, or NaN. */
export function parseTimeMs(s: string): number {
  return Date.parse(s);
}

const AGE_UNITS: [number, string][] = [
  [24 * 60 * 60 * 1000, 'day'],
  [60 * 60 * 1000, 'hour'],
  [60 * 1000, 'minute'],
  [1000, 'second'],
];

/** A duration for messages, in its largest whole unit: "45 seconds", "1 minute", "2 hours", "3 days". */
export function formatAge(ms: number): string {
  for (const [size, unit] of AGE_UNITS) {
    const n = Math.floor(ms / size);
    if (n >= 1 || unit === 'second') return `${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  return '';
}

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

/** A duration for messages, in its two largest units: "45 seconds", "1 minute", "1 hour 30 minutes", "3 days". */
export function formatAge(ms: number): string {
  const found = AGE_UNITS.findIndex(([size]) => ms >= size);
  const i = found < 0 ? AGE_UNITS.length - 1 : found;
  const parts: string[] = [];
  let rest = ms;
  for (const [size, unit] of AGE_UNITS.slice(i, i + 2)) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length === 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  return parts.join(' ');
}

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

/** Durations in the config file: `90s`, `15m`, `24h`, `1d12h`, `2w` (units w, d, h, m, s). */
const UNIT_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** Milliseconds of a duration such as `1h30m`, or undefined when the text is not one (or is zero). */
export function durationMs(text: string): number | undefined {
  const t = text.trim();
  if (!/^(?:\d+(?:\.\d+)?[wdhms])+$/.test(t)) return undefined;
  const ms = t
    .match(/\d+(?:\.\d+)?[wdhms]/g)!
    .reduce((sum, p) => sum + Number(p.slice(0, -1)) * UNIT_MS[p.slice(-1)]!, 0);
  return ms > 0 ? Math.round(ms) : undefined;
}

/** The only place that reads the time; tests pass their own Clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Nanoseconds since the epoch (millisecond clock with sub-millisecond precision where available). */
  nowNs(): bigint;
}

const startNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export const systemClock: Clock = {
  now: () => Date.now(),
  nowNs: () => startNs + process.hrtime.bigint(),
};

export function fixedClock(ms: number): Clock {
  return { now: () => ms, nowNs: () => BigInt(ms) * 1_000_000n };
}

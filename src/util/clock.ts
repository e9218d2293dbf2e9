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

/** Calls `tick` every `ms` milliseconds until the returned function is called; tests pass one they tick by hand. */
export type Repeater = (ms: number, tick: () => void) => () => void;

/** Real intervals that never keep the process alive on their own. */
export const systemRepeater: Repeater = (ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

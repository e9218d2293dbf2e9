import type { Clock } from '../../util/index.js';
import { systemClock } from '../../util/index.js';

/** The time source of the wrappers: the clock plus waiting, injected so tests run without real delays. */
export interface Timer extends Pick<Clock, 'now'> {
  sleep(ms: number): Promise<void>;
}

export const realTimer: Timer = {
  now: () => systemClock.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A timer for tests: `sleep` returns at once and moves the clock forward by the time asked for. */
export class ManualTimer implements Timer {
  /** Every sleep requested, in order. */
  readonly sleeps: number[] = [];

  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += Math.max(0, ms);
    await Promise.resolve();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

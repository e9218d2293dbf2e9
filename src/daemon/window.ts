/** A job's time window (`window: { from, to }`, local time): how long a due run has to wait for it. */
import type { WindowConfig } from '../config/index.js';

const DAY_S = 86_400;

function seconds(clock: string): number {
  const [h, m, s] = clock.split(':').map(Number);
  return h! * 3600 + m! * 60 + (s ?? 0);
}

/** 0 inside the window, else the milliseconds until it next opens; `from` > `to` spans midnight. */
export function windowWaitMs(w: WindowConfig, now: Date): number {
  const t = now.getHours() * 3600 + now.getMinutes() * 60 + now.getSeconds() + now.getMilliseconds() / 1000;
  const from = seconds(w.from);
  const to = seconds(w.to);
  const inside = from < to ? t >= from && t < to : t >= from || t < to;
  if (inside) return 0;
  return Math.round(((((from - t) % DAY_S) + DAY_S) % DAY_S) * 1000);
}

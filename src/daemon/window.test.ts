import { describe, expect, it } from 'vitest';
import { windowWaitMs } from './window.js';

const at = (clock: string): Date => new Date(`2026-12-06T${clock}`);

describe('windowWaitMs', () => {
  it('is 0 inside the window and the time to its opening outside', () => {
    const w = { from: '01:00', to: '06:00' };
    expect(windowWaitMs(w, at('03:00:00'))).toBe(0);
    expect(windowWaitMs(w, at('00:59:30'))).toBe(30_000);
    expect(windowWaitMs(w, at('06:00:00'))).toBe(19 * 3600_000);
  });

  it('spans midnight when from is later than to', () => {
    const w = { from: '22:00', to: '02:30:15' };
    expect(windowWaitMs(w, at('23:00:00'))).toBe(0);
    expect(windowWaitMs(w, at('02:30:14'))).toBe(0);
    expect(windowWaitMs(w, at('02:30:15'))).toBe(70_185_000);
  });
});

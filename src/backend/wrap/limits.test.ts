import { describe, expect, it } from 'vitest';
import { MemBackend } from '../mem/index.js';
import { withLimits } from './limits.js';
import { FlakyBackend, name } from './test-support.js';
import { ManualTimer } from './timer.js';

const handle = (i: number) => ({ type: 'data', name: name(i) }) as const;

describe('withLimits', () => {
  it('returns the backend itself when nothing is limited', () => {
    const mem = new MemBackend();
    expect(withLimits(mem, {})).toBe(mem);
    expect(withLimits(mem, { uploadBytesPerSecond: 0 })).toBe(mem);
  });

  it('never runs more calls at once than the connection limit', async () => {
    const flaky = new FlakyBackend();
    flaky.delayMs = 5;
    const limited = withLimits(flaky, { connections: 2 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => limited.write(handle(i), Buffer.from([i]))));
    await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => limited.read(handle(i))),
      ...Array.from({ length: 6 }, (_, i) => limited.stat(handle(i + 6))),
    ]);
    expect(flaky.maxInFlight).toBe(2);

    const unlimited = new FlakyBackend();
    unlimited.delayMs = 5;
    await Promise.all(Array.from({ length: 12 }, (_, i) => unlimited.write(handle(i), Buffer.from([i]))));
    expect(unlimited.maxInFlight).toBeGreaterThan(2);
  });

  it('lets a caller use the backend inside a listing with one connection', async () => {
    const flaky = new FlakyBackend();
    const limited = withLimits(flaky, { connections: 1 });
    for (let i = 0; i < 3; i++) await limited.write(handle(i), Buffer.from([i]));
    const seen: number[] = [];
    for await (const fi of limited.list('data'))
      seen.push((await limited.read({ type: 'data', name: fi.name }))[0]!);
    expect(seen.sort()).toEqual([0, 1, 2]);
  });

  it('holds uploads to the average rate, also for one write larger than a second’s worth', async () => {
    const timer = new ManualTimer();
    const limited = withLimits(new MemBackend(), { uploadBytesPerSecond: 1000, timer });
    // The bucket starts with one second's worth.
    await limited.write(handle(1), Buffer.alloc(1000));
    expect(timer.now()).toBe(0);
    await limited.write(handle(2), Buffer.alloc(3000));
    expect(timer.now()).toBe(3000);
    await limited.write(handle(3), Buffer.alloc(500));
    expect(timer.now()).toBe(3500);
    // Reads are not limited by the upload bucket.
    await limited.read(handle(2));
    expect(timer.now()).toBe(3500);
  });

  it('holds downloads to the average rate for ranged and whole reads', async () => {
    const timer = new ManualTimer();
    const mem = new MemBackend();
    await mem.write(handle(1), Buffer.alloc(4000));
    const limited = withLimits(mem, { downloadBytesPerSecond: 2000, timer });
    await limited.read(handle(1), 0, 2000);
    expect(timer.now()).toBe(0);
    await limited.read(handle(1));
    expect(timer.now()).toBe(2000);
    await limited.read(handle(1), 1000, 1000);
    expect(timer.now()).toBe(2500);
  });

  it('refills the bucket as time passes, up to one second’s worth', async () => {
    const timer = new ManualTimer();
    const limited = withLimits(new MemBackend(), { uploadBytesPerSecond: 1000, timer });
    await limited.write(handle(1), Buffer.alloc(1000));
    timer.advance(10_000);
    await limited.write(handle(2), Buffer.alloc(2000));
    expect(timer.sleeps).toEqual([1000]);
  });

  it('states the smaller of the backend’s connections and the connection limit', () => {
    const remote = Object.assign(new MemBackend(), { connections: 5 });
    expect(withLimits(remote, { connections: 2 }).connections).toBe(2);
    expect(withLimits(remote, { connections: 8 }).connections).toBe(5);
    expect(withLimits(remote, { uploadBytesPerSecond: 10 }).connections).toBe(5);
    expect(withLimits(new MemBackend(), { connections: 3 }).connections).toBe(3);
    expect(withLimits(new MemBackend(), { uploadBytesPerSecond: 10 }).connections).toBeUndefined();
  });

  it('rejects a negative limit', () => {
    expect(() => withLimits(new MemBackend(), { downloadBytesPerSecond: -5 })).toThrow(/positive/);
  });
});

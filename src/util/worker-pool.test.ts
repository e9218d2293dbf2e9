import { describe, expect, it } from 'vitest';
import { WorkerPool } from './worker-pool.js';

const url = new URL('./worker-pool.fixture.mjs', import.meta.url);

describe('WorkerPool', () => {
  it('answers every job with its own result across several workers', async () => {
    const pool = new WorkerPool<number, number>(url, 2, { factor: 2 });
    try {
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.run(n)));
      expect(results).toEqual([2, 4, 6, 8, 10]);
    } finally {
      await pool.close();
    }
  });

  it('a job that cannot be sent (an untransferable pooled buffer) rejects and leaves no load behind', async () => {
    const pool = new WorkerPool<string, number>(url, 2, { factor: 1 });
    try {
      const first = await pool.run('who');
      // Small Buffers share Node's pool, whose ArrayBuffer cannot be transferred.
      await expect(pool.run('who', [Buffer.from('pooled').buffer])).rejects.toThrow();
      // The least-loaded worker is still the first one: the failed job does not count against it.
      await expect(pool.run('who')).resolves.toBe(first);
    } finally {
      await pool.close();
    }
  });

  it('rejects a job whose worker reports an error, and keeps serving others', async () => {
    const pool = new WorkerPool<number | string, number>(url, 1, { factor: 3 });
    try {
      await expect(pool.run('boom')).rejects.toThrow('asked to fail');
      await expect(pool.run(7)).resolves.toBe(21);
    } finally {
      await pool.close();
    }
  });
});

describe('WorkerPool with a worker that dies', () => {
  it("fails only the dead worker's jobs; the healthy worker finishes its own and a replacement serves later jobs", async () => {
    const pool = new WorkerPool<number | string | { delay: number; value: number }, number>(url, 2, { factor: 2 });
    try {
      // The slow job weighs 10, so the next two go to the other worker: the one that dies, and one queued behind it.
      const slow = pool.run({ delay: 300, value: 5 }, [], 10);
      const dies = pool.run('exit');
      const queuedBehind = pool.run(3);
      await expect(dies).rejects.toThrow('A worker thread died: it exited with code 7.');
      await expect(queuedBehind).rejects.toThrow('died');
      await expect(slow).resolves.toBe(10);
      const later = await Promise.all([1, 2, 3, 4].map((n) => pool.run(n)));
      expect(later).toEqual([2, 4, 6, 8]);
    } finally {
      await pool.close();
    }
  });

  it('an uncaught error in one worker does not fail the jobs of another', async () => {
    const pool = new WorkerPool<number | string | { delay: number; value: number }, number>(url, 2, { factor: 2 });
    try {
      const slow = pool.run({ delay: 300, value: 4 }, [], 10);
      await expect(pool.run('throw')).rejects.toThrow('A worker thread died: uncaught in the worker.');
      await expect(slow).resolves.toBe(8);
      await expect(pool.run(6)).resolves.toBe(12);
    } finally {
      await pool.close();
    }
  });

  it('gives up once workers keep dying, rejecting instead of hanging', async () => {
    const pool = new WorkerPool<number | string, number>(url, 1, { factor: 2 });
    try {
      for (let i = 0; i < 4; i++) await expect(pool.run('exit')).rejects.toThrow('died');
      await expect(pool.run(1)).rejects.toThrow('died');
    } finally {
      await pool.close();
    }
  });
});

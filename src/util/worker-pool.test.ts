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

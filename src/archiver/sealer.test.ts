import { describe, expect, it } from 'vitest';
import { newRandomKey } from '../crypto/index.js';
import { BlobCodec } from '../repository/index.js';
import { WorkerSealer } from './sealer.js';

const url = new URL('./sealer.fixture.mjs', import.meta.url);

function chunk(sealer: WorkerSealer, size: number, first: number): Buffer {
  const data = sealer.pool.take(size);
  data.fill(1);
  data[0] = first;
  return data;
}

describe('WorkerSealer with a worker that dies', () => {
  it("fails the dead worker's blobs, finishes the healthy worker's and seals later blobs on a replacement", async () => {
    const sealer = new WorkerSealer(new BlobCodec(newRandomKey(), 2, 'off'), 2, url);
    try {
      // A large chunk travels alone and loads one worker; the small batch goes to the other, which dies.
      const slow = sealer.seal(chunk(sealer, 300 << 10, 0xdd));
      const dies = sealer.seal(chunk(sealer, 100, 0xee));
      await expect(dies).rejects.toThrow('A compression worker crashed.');
      const done = await slow;
      expect(done.sealed.length).toBe(300 << 10);
      done.release?.();
      const later = await Promise.all([10, 20, 30].map((n) => sealer.seal(chunk(sealer, n, 1))));
      expect(later.map((b) => b.sealed.length)).toEqual([10, 20, 30]);
    } finally {
      await sealer.close();
    }
  });
});

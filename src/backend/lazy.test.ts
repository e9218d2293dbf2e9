import { describe, expect, it } from 'vitest';
import { LazyBackend } from './lazy.js';
import { MemBackend } from './mem/index.js';
import { runBackendConformance } from './testing/index.js';

runBackendConformance('LazyBackend over MemBackend', async () => new LazyBackend('mem', 3, async () => new MemBackend()));

describe('LazyBackend', () => {
  it('loads its backend once, on the first call, and states location and connections before that', async () => {
    let loads = 0;
    const b = new LazyBackend('somewhere', 4, async () => {
      loads++;
      return new MemBackend();
    });
    expect([b.location, b.connections, loads]).toEqual(['somewhere', 4, 0]);
    await Promise.all([b.create(), b.write({ type: 'keys', name: 'a'.repeat(64) }, Buffer.from('x'))]);
    const names: string[] = [];
    for await (const f of b.list('keys')) names.push(f.name);
    expect(names).toEqual(['a'.repeat(64)]);
    expect(loads).toBe(1);
  });

  it('closing an unused backend loads nothing; a failed load fails the call', async () => {
    const unused = new LazyBackend('x', undefined, async () => {
      throw new Error('must not load');
    });
    expect(unused.connections).toBeUndefined();
    await unused.close();
    await expect(unused.stat({ type: 'config', name: 'config' })).rejects.toThrow('must not load');
  });
});

import { describe, expect, it } from 'vitest';
import { releaseNow } from './memory.js';

describe('releaseNow', () => {
  it('detaches the buffer so its views become empty', () => {
    const b = Buffer.allocUnsafeSlow(1 << 20);
    releaseNow(b.buffer);
    expect(b.buffer.byteLength).toBe(0);
    expect(b.buffer.detached).toBe(true);
  });
  it('is harmless on a detached buffer and leaves shared memory alone', () => {
    const ab = new ArrayBuffer(8);
    releaseNow(ab);
    expect(() => releaseNow(ab)).not.toThrow();
    const shared = new SharedArrayBuffer(8);
    releaseNow(shared);
    expect(shared.byteLength).toBe(8);
  });
});

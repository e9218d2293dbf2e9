import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, goModeString } from './format.js';

describe('formatBytes', () => {
  it('prints like restic: bytes up to 1 KiB, then three decimals', () => {
    expect(formatBytes(1024)).toBe('1024 B');
    expect(formatBytes(102.4)).toBe('102 B');
    expect(formatBytes(1536)).toBe('1.500 KiB');
    expect(formatBytes(3 * 1024 ** 2)).toBe('3.000 MiB');
    expect(formatBytes(5.5 * 1024 ** 3)).toBe('5.500 GiB');
  });
});

describe('formatDuration', () => {
  it('uses M:SS below an hour and H:MM:SS above', () => {
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(125.9)).toBe('2:05');
    expect(formatDuration(3723)).toBe('1:02:03');
  });
});

describe('goModeString', () => {
  it("matches Go's os.FileMode.String()", () => {
    expect(goModeString(0o644)).toBe('-rw-r--r--');
    expect(goModeString(2 ** 31 + 0o755)).toBe('drwxr-xr-x');
    expect(goModeString(2 ** 27 + 0o777)).toBe('Lrwxrwxrwx');
    // /tmp: directory + sticky bit.
    expect(goModeString(2 ** 31 + 2 ** 20 + 0o777)).toBe('dtrwxrwxrwx');
  });
});

import { describe, expect, it } from 'vitest';
import { goModeFromStat, nodeTypeFromGoMode, statModeFromGo } from './mode.js';

describe('goModeFromStat', () => {
  it('maps the fixture modes: file 0644 → 420, dir 0755 → 2147484141, symlink 0777 → 134218239', () => {
    expect(goModeFromStat(0o100644)).toBe(420);
    expect(goModeFromStat(0o040755)).toBe(2147484141);
    expect(goModeFromStat(0o120777)).toBe(134218239);
  });

  it('sets the device bits for block and character devices, and pipe and socket bits', () => {
    expect(goModeFromStat(0o060660)).toBe(0x04000000 | 0o660);
    expect(goModeFromStat(0o020666)).toBe(0x04000000 | 0x00200000 | 0o666);
    expect(goModeFromStat(0o010644)).toBe(0x02000000 | 0o644);
    expect(goModeFromStat(0o140755)).toBe(0x01000000 | 0o755);
  });

  it('maps setuid, setgid and sticky to Go bits 23, 22 and 20', () => {
    expect(goModeFromStat(0o104755)).toBe(0x00800000 | 0o755);
    expect(goModeFromStat(0o102755)).toBe(0x00400000 | 0o755);
    expect(goModeFromStat(0o041777)).toBe((0x80000000 | 0x00100000 | 0o777) >>> 0);
  });
});

describe('statModeFromGo', () => {
  it('gives permission bits plus S_ISUID, S_ISGID and S_ISVTX', () => {
    expect(statModeFromGo(2147484141)).toBe(0o755);
    expect(statModeFromGo((0x80000000 | 0x00100000 | 0o777) >>> 0)).toBe(0o1777);
    expect(statModeFromGo(0x00800000 | 0x00400000 | 0o750)).toBe(0o6750);
  });

  it('inverts goModeFromStat on the chmod bits of any mode', () => {
    for (let perm = 0; perm < 0o10000; perm += 7)
      expect(statModeFromGo(goModeFromStat(0o100000 | perm))).toBe(perm);
  });
});

describe('nodeTypeFromGoMode', () => {
  it.each([
    [420, 'file'],
    [2147484141, 'dir'],
    [134218239, 'symlink'],
    [0x04000000 | 0o660, 'dev'],
    [0x04200000 | 0o666, 'chardev'],
    [0x02000000 | 0o644, 'fifo'],
    [0x01000000 | 0o755, 'socket'],
    [0x00080000, 'irregular'],
  ] as const)('mode %d is a %s', (mode, type) => {
    expect(nodeTypeFromGoMode(mode)).toBe(type);
  });
});

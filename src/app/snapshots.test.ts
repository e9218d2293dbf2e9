import { describe, expect, it } from 'vitest';
import type { StoredSnapshot } from '../core/index.js';
import { compactFilter, latestPerGroup } from './snapshots.js';
import { parseSnapshotRef } from './restore.js';

const snap = (n: number, host: string, paths: string[]): StoredSnapshot => ({
  id: String(n).padStart(64, '0'),
  time: `2024-01-0${n}T00:00:00Z`,
  tree: 'f'.repeat(64),
  paths,
  hostname: host,
});

describe('latestPerGroup', () => {
  it('keeps the newest n of each host+paths group, oldest first', () => {
    const snaps = [
      snap(1, 'a', ['/x']),
      snap(2, 'b', ['/x']),
      snap(3, 'a', ['/x']),
      snap(4, 'a', ['/y']),
      snap(5, 'a', ['/x']),
    ];
    expect(latestPerGroup(snaps, 1).map((s) => Number(s.id))).toEqual([2, 4, 5]);
    expect(latestPerGroup(snaps, 2).map((s) => Number(s.id))).toEqual([2, 3, 4, 5]);
  });
  it('treats the same paths in another order as the same group', () => {
    expect(latestPerGroup([snap(1, 'a', ['/x', '/y']), snap(2, 'a', ['/y', '/x'])], 1)).toHaveLength(1);
  });
  it('rejects zero', () => expect(() => latestPerGroup([], 0)).toThrow(/positive/));
});

describe('compactFilter', () => {
  it('drops empty selections and cleans paths', () => {
    expect(compactFilter({ hosts: [], tags: [], paths: ['/a/b/', '/c//d'] })).toEqual({
      paths: ['/a/b', '/c/d'],
    });
    expect(compactFilter({ paths: ['/'] })).toEqual({ paths: ['/'] });
  });
});

describe('parseSnapshotRef', () => {
  it('splits SNAPSHOT:SUBFOLDER at the first colon', () => {
    expect(parseSnapshotRef('latest')).toEqual({ ref: 'latest' });
    expect(parseSnapshotRef('1a2b:/home/u')).toEqual({ ref: '1a2b', subPath: '/home/u' });
    expect(parseSnapshotRef('1a2b:')).toEqual({ ref: '1a2b' });
  });
  it('needs a snapshot before the colon', () => expect(() => parseSnapshotRef(':/x')).toThrow());
});

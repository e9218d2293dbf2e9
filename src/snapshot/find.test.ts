import { describe, expect, it } from 'vitest';
import type { StoredSnapshot } from '../core/index.js';
import { filterSnapshots, findParent } from './find.js';

let n = 0;
function snap(time: string, extra: Partial<StoredSnapshot> = {}): StoredSnapshot {
  n++;
  return {
    id: String(n % 10).repeat(64),
    time,
    tree: 'b'.repeat(64),
    paths: ['/home'],
    hostname: 'h',
    ...extra,
  };
}

describe('filterSnapshots', () => {
  const a = snap('2024-01-01T00:00:00Z', { hostname: 'alpha', tags: ['daily', 'db'] });
  const b = snap('2024-01-02T00:00:00Z', { hostname: 'beta', tags: ['daily'], paths: ['/home', '/etc'] });
  const c = snap('2024-01-03T00:00:00Z', { hostname: 'alpha' });
  const all = [a, b, c];

  it('keeps everything without criteria', () => {
    expect(filterSnapshots(all)).toEqual(all);
  });

  it('keeps snapshots of any listed host', () => {
    expect(filterSnapshots(all, { hosts: ['alpha'] })).toEqual([a, c]);
    expect(filterSnapshots(all, { hosts: ['alpha', 'beta'] })).toEqual(all);
  });

  it('treats tag groups as OR of AND-groups', () => {
    expect(filterSnapshots(all, { tags: [['daily', 'db']] })).toEqual([a]);
    expect(filterSnapshots(all, { tags: [['db'], ['daily']] })).toEqual([a, b]);
  });

  it('matches snapshots without tags with the empty tag', () => {
    expect(filterSnapshots(all, { tags: [['']] })).toEqual([c]);
  });

  it('keeps snapshots whose paths include all given paths', () => {
    expect(filterSnapshots(all, { paths: ['/etc'] })).toEqual([b]);
    expect(filterSnapshots(all, { paths: ['/home'] })).toEqual(all);
  });

  it('combines criteria with AND', () => {
    expect(filterSnapshots(all, { hosts: ['alpha'], tags: [['daily']] })).toEqual([a]);
  });
});

describe('findParent', () => {
  it('picks the newest snapshot of the same host with the same set of paths', () => {
    const old = snap('2024-01-01T00:00:00Z', { paths: ['/b', '/a'] });
    const newer = snap('2024-01-05T00:00:00+02:00', { paths: ['/a', '/b'] });
    const otherHost = snap('2024-01-09T00:00:00Z', { paths: ['/a', '/b'], hostname: 'x' });
    const superset = snap('2024-01-09T00:00:00Z', { paths: ['/a', '/b', '/c'] });
    const parent = findParent([newer, otherHost, old, superset], { host: 'h', paths: ['/a', '/b'] });
    expect(parent).toBe(newer);
  });

  it('returns undefined when nothing matches', () => {
    expect(findParent([snap('2024-01-01T00:00:00Z')], { host: 'other', paths: ['/home'] })).toBeUndefined();
  });

  it('ignores snapshots newer than `before`', () => {
    const old = snap('2024-01-01T00:00:00Z');
    const future = snap('2024-06-01T00:00:00Z');
    const before = 1_706_745_600_000_000_000n; // 2024-02-01
    expect(findParent([old, future], { host: 'h', paths: ['/home'], before })).toBe(old);
  });
});

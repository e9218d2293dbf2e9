import { describe, expect, it } from 'vitest';
import type { StoredSnapshot } from '../core/index.js';
import { CopiedSnapshots, copiedSnapshot, originalId, similarSnapshots } from './copy-identity.js';

const id = (c: string): string => c.repeat(64);

function snap(over: Partial<StoredSnapshot> = {}): StoredSnapshot {
  return {
    id: id('a'),
    time: '2024-05-01T10:00:00.123456789Z',
    tree: id('e'),
    paths: ['/home/u', '/etc'],
    hostname: 'host',
    username: 'u',
    uid: 1000,
    gid: 1000,
    tags: ['daily', 'x'],
    excludes: ['*.tmp', '*.o'],
    ...over,
  };
}

describe('similarSnapshots (restic 0.17)', () => {
  it('ignores parent and original', () => {
    expect(similarSnapshots(snap(), snap({ parent: id('b'), original: id('c') }))).toBe(true);
  });

  it('compares the time as an instant, not as text', () => {
    expect(similarSnapshots(snap(), snap({ time: '2024-05-01T12:00:00.123456789+02:00' }))).toBe(true);
    expect(similarSnapshots(snap(), snap({ time: '2024-05-01T10:00:00.123456788Z' }))).toBe(false);
  });

  it('compares paths and tags as sets, excludes in order', () => {
    expect(similarSnapshots(snap(), snap({ paths: ['/etc', '/home/u'], tags: ['x', 'daily'] }))).toBe(true);
    expect(similarSnapshots(snap(), snap({ excludes: ['*.o', '*.tmp'] }))).toBe(false);
  });

  it('tells snapshots apart by tree, host, user, ids, paths, tags and excludes', () => {
    const changes: Partial<StoredSnapshot>[] = [
      { tree: id('f') },
      { hostname: 'other' },
      { username: 'root' },
      { uid: 0 },
      { gid: 0 },
      { paths: ['/home/u'] },
      { tags: ['daily'] },
      { tags: ['daily', 'y'] },
      { excludes: ['*.tmp'] },
    ];
    for (const c of changes) expect(similarSnapshots(snap(), snap(c)), JSON.stringify(c)).toBe(false);
  });

  it('treats absent host, user, uid, gid, tags and excludes as empty', () => {
    const bare = { id: id('a'), time: '2024-01-01T00:00:00Z', tree: id('e'), paths: ['/x'] };
    const zeroed = { ...bare, hostname: '', username: '', uid: 0, gid: 0, tags: [], excludes: [] };
    expect(similarSnapshots(bare, zeroed)).toBe(true);
  });
});

describe('CopiedSnapshots', () => {
  it('finds a copy by its original id', () => {
    const source = snap({ id: id('1') });
    const copy = { ...snap({ id: id('2'), original: id('1') }) };
    expect(new CopiedSnapshots([copy]).find(source)?.id).toBe(id('2'));
  });

  it('finds the very same snapshot by its own id (a copy going back)', () => {
    const original = snap({ id: id('1') });
    const copyInSource = snap({ id: id('2'), original: id('1') });
    expect(new CopiedSnapshots([original]).find(copyInSource)?.id).toBe(id('1'));
  });

  it('finds a copy of a copy: both carry the first original', () => {
    const copyInB = snap({ id: id('2'), original: id('1') });
    const copyInC = snap({ id: id('3'), original: id('1') });
    expect(new CopiedSnapshots([copyInC]).find(copyInB)?.id).toBe(id('3'));
  });

  it('does not count a copy whose fields changed since (e.g. re-tagged) nor an unrelated twin', () => {
    const source = snap({ id: id('1') });
    const retagged = snap({ id: id('2'), original: id('1'), tags: ['other'] });
    const twin = snap({ id: id('4') });
    expect(new CopiedSnapshots([retagged, twin]).find(source)).toBeUndefined();
  });

  it('a copy added during the run is found', () => {
    const index = new CopiedSnapshots([]);
    const source = snap({ id: id('1') });
    index.add({ ...copiedSnapshot(source), id: id('9') });
    expect(index.find(source)?.id).toBe(id('9'));
  });
});

describe('copiedSnapshot', () => {
  it('drops the parent and sets original to the source id', () => {
    const doc = copiedSnapshot(snap({ id: id('1'), parent: id('0') }));
    expect(doc.parent).toBeUndefined();
    expect(doc.original).toBe(id('1'));
    expect('id' in doc).toBe(false);
    expect(doc.tags).toEqual(['daily', 'x']);
  });

  it('keeps the program that wrote the original (restic copies program_version as it is)', () => {
    expect(copiedSnapshot(snap({ program_version: 'restic 0.17.3' })).program_version).toBe('restic 0.17.3');
    expect(similarSnapshots(snap({ program_version: 'cairn 0.1.0' }), snap())).toBe(true);
  });

  it('keeps an existing original', () => {
    expect(copiedSnapshot(snap({ id: id('2'), original: id('1') })).original).toBe(id('1'));
    expect(originalId(snap({ id: id('2'), original: id('1') }))).toBe(id('1'));
  });
});

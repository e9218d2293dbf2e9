import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeUnpacked } from '../compress/index.js';
import { hashId, isCairnError } from '../core/index.js';
import type { Snapshot } from '../core/index.js';
import { masterKeyFromJSON, open } from '../crypto/index.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';
import { fixtureRepoFiles, loadFacts } from './test-support.js';

const facts = loadFacts();

/** The snapshot files of the fixture repository: storage id → decrypted, decompressed plaintext. */
async function fixtureSnapshotPlaintexts(): Promise<Map<string, Buffer>> {
  const key = masterKeyFromJSON(JSON.stringify(facts.masterkey));
  const out = new Map<string, Buffer>();
  for (const [path, file] of await fixtureRepoFiles()) {
    const m = /^snapshots\/([0-9a-f]{64})$/.exec(path);
    if (!m) continue;
    expect(hashId(file)).toBe(m[1]);
    out.set(m[1]!, decodeUnpacked(open(key, file)));
  }
  return out;
}

let plaintexts: Map<string, Buffer>;
beforeAll(async () => {
  plaintexts = await fixtureSnapshotPlaintexts();
});

describe('snapshots of restic 0.14', () => {
  it('finds both fixture snapshots in the repository', () => {
    expect([...plaintexts.keys()].sort()).toEqual(facts.snapshots.map((s) => s.id).sort());
  });

  it('decodes each to the document restic reported', () => {
    for (const s of facts.snapshots) expect(decodeSnapshot(plaintexts.get(s.id)!)).toEqual(s.json);
  });

  it('re-encodes each to the exact bytes restic wrote (field order, no trailing newline)', () => {
    for (const bytes of plaintexts.values())
      expect(encodeSnapshot(decodeSnapshot(bytes)).toString()).toBe(bytes.toString());
  });
});

const id = (c: string): string => c.repeat(64);

describe('encodeSnapshot', () => {
  it('writes every field in restic order, summary last', () => {
    const snap: Snapshot = {
      time: '2024-01-02T03:04:05.5+01:00',
      parent: id('a'),
      tree: id('b'),
      paths: ['/x'],
      hostname: 'h',
      username: 'u',
      uid: 1,
      gid: 2,
      excludes: ['*.tmp'],
      tags: ['t'],
      original: id('c'),
      program_version: 'cairn 0.1.0',
      summary: {
        backup_start: '2024-01-02T03:04:05Z',
        backup_end: '2024-01-02T03:04:06Z',
        files_new: 1,
        files_changed: 2,
        files_unmodified: 3,
        dirs_new: 4,
        dirs_changed: 5,
        dirs_unmodified: 6,
        data_blobs: 7,
        tree_blobs: 8,
        data_added: 9,
        data_added_packed: 10,
        total_files_processed: 11,
        total_bytes_processed: 12,
      },
    };
    const text = encodeSnapshot(snap).toString();
    expect([...text.matchAll(/"([a-z_]+)":/g)].map((m) => m[1])).toEqual([
      'time',
      'parent',
      'tree',
      'paths',
      'hostname',
      'username',
      'uid',
      'gid',
      'excludes',
      'tags',
      'original',
      'program_version',
      'summary',
      'backup_start',
      'backup_end',
      'files_new',
      'files_changed',
      'files_unmodified',
      'dirs_new',
      'dirs_changed',
      'dirs_unmodified',
      'data_blobs',
      'tree_blobs',
      'data_added',
      'data_added_packed',
      'total_files_processed',
      'total_bytes_processed',
    ]);
    expect(decodeSnapshot(Buffer.from(text))).toEqual(snap);
  });

  it('omits empty optional fields and keeps an empty paths list', () => {
    const text = encodeSnapshot({ time: '2024-01-02T03:04:05Z', tree: id('b'), paths: [], tags: [], uid: 0 });
    expect(text.toString()).toBe(`{"time":"2024-01-02T03:04:05Z","tree":"${id('b')}","paths":[]}`);
  });

  it('escapes strings like Go (HTML characters in tags)', () => {
    const text = encodeSnapshot({
      time: '2024-01-02T03:04:05Z',
      tree: id('b'),
      paths: ['/a<b>'],
      tags: ['x&y'],
    });
    expect(text.toString()).toContain('"paths":["/a\\u003cb\\u003e"],"tags":["x\\u0026y"]');
  });

  it('round-trips arbitrary hostnames, paths and tags', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.array(fc.string({ unit: 'binary' })), (host, tags) => {
        const snap: Snapshot = {
          time: '2024-01-02T03:04:05Z',
          tree: id('b'),
          paths: tags,
          hostname: host,
          tags,
        };
        const back = decodeSnapshot(encodeSnapshot(snap));
        expect(back.paths).toEqual(tags);
        expect(back.hostname ?? '').toBe(host);
      }),
    );
  });
});

describe('decodeSnapshot', () => {
  it.each([
    'nope',
    '[]',
    '{"tree":"x","time":"t","paths":[]}',
    '{"time":"t","paths":[]}',
    `{"tree":"${'b'.repeat(64)}"}`,
  ])('rejects %j as corrupt', (text) => {
    let caught: unknown;
    try {
      decodeSnapshot(Buffer.from(text));
    } catch (err) {
      caught = err;
    }
    expect(isCairnError(caught, 'corrupt')).toBe(true);
  });

  it('ignores unknown fields', () => {
    const snap = decodeSnapshot(Buffer.from(`{"time":"t","tree":"${id('b')}","paths":["/"],"future":1}`));
    expect(snap).toEqual({ time: 't', tree: id('b'), paths: ['/'] });
  });
});

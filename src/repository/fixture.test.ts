import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../backend/local/index.js';
import { hashId } from '../core/index.js';
import { decodeIndex, encodeIndex } from './index-codec.js';
import { Repository } from './repository.js';
import type { Facts } from './test-support.js';
import { extractFixture, loadFacts, removeDir } from './test-support.js';

// Reads the repository restic 0.14 wrote (test/fixtures/restic-0.14) and checks it against restic's own facts.
describe('the restic 0.14 fixture repository', () => {
  let dir: string;
  let repo: Repository;
  let facts: Facts;

  beforeAll(async () => {
    facts = loadFacts();
    dir = extractFixture();
    repo = await Repository.open(new LocalBackend(dir), { password: 'test' });
    await repo.loadIndex();
  });
  afterAll(() => removeDir(`${dir}/..`));

  it('opens with the password and decrypts the config and master key', () => {
    expect(repo.config).toEqual({ version: 2, id: facts.config.id, chunkerPolynomial: 0x35bba1908c7defn });
    expect(JSON.parse(repo.masterKeyJSON())).toEqual(facts.masterkey);
    expect(repo.keyId).toBe(Object.keys(facts.keys)[0]);
  });

  it('indexes every blob where restic says it is', () => {
    for (const [id, b] of Object.entries(facts.blobs)) {
      const e = repo.lookup(b.type, id);
      expect(e, id).toBeDefined();
      expect(e).toMatchObject({ packId: b.pack, offset: b.offset, length: b.length, type: b.type });
      expect(e!.uncompressedLength).toBe(b.uncompressed_length);
    }
    expect(repo.indexSize).toBe(Object.keys(facts.blobs).length);
  });

  it('loads every blob: right length, right hash', async () => {
    for (const [id, b] of Object.entries(facts.blobs)) {
      const plain = await repo.loadBlob(b.type, id);
      expect(plain.length).toBe(b.plaintext_length);
      expect(hashId(plain)).toBe(id);
    }
  });

  it('reads pack headers from the tail that agree with the index', async () => {
    for (const packId of Object.keys(facts.packs)) {
      const header = await repo.loadPackHeader(packId);
      for (const h of header) expect(repo.lookupAll(h.type, h.id).some((e) => e.packId === packId)).toBe(true);
      const whole = repo.parsePackHeader(await repo.readPack(packId));
      expect(whole).toEqual(header);
    }
  });

  it('decodes the index files as restic wrote them and re-encodes them byte for byte', async () => {
    const files = await repo.listIndexFiles();
    expect(files.map((f) => f.id).sort()).toEqual(Object.keys(facts.index_files).sort());
    for (const f of files) {
      const raw = await repo.loadUnpacked('index', f.id);
      expect(encodeIndex(decodeIndex(raw)).equals(raw)).toBe(true);
      const expected = facts.index_files[f.id] as { packs: { id: string; blobs: unknown[] }[] };
      expect(f.packs.map((p) => p.id).sort()).toEqual(expected.packs.map((p) => p.id).sort());
    }
  });

  it('loads the snapshots as restic wrote them', async () => {
    for (const s of facts.snapshots) {
      expect(JSON.parse((await repo.loadUnpacked('snapshots', s.id)).toString())).toEqual(s.json);
    }
  });
});

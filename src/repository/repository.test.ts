import { describe, expect, it } from 'vitest';
import { MemBackend } from '../backend/mem/index.js';
import { hashId } from '../core/index.js';
import { Repository } from './repository.js';
import { newMemRepo } from './test-support.js';

const open = (backend: MemBackend, password = 'pw', keyHint?: string) =>
  Repository.open(backend, { password, ...(keyHint ? { keyHint } : {}) });

describe('Repository init/open', () => {
  it('init writes config and one key; open with the password gives the same config and master key', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    expect(repo.config.version).toBe(2);
    expect(repo.config.id).toMatch(/^[0-9a-f]{64}$/);
    expect(repo.config.chunkerPolynomial).toBe(0x35bba1908c7defn);
    const again = await open(backend);
    expect(again.config).toEqual(repo.config);
    expect(again.masterKeyJSON()).toBe(repo.masterKeyJSON());
    expect(again.keyId).toBe(repo.keyId);
  });

  it('the config is sealed uncompressed JSON with the polynomial in Go hex', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    const { decodeConfig } = await import('./config.js');
    const sealed = await backend.read({ type: 'config', name: 'config' });
    const { open: openBox, masterKeyFromJSON } = await import('../crypto/index.js');
    const key = masterKeyFromJSON(repo.masterKeyJSON());
    expect(decodeConfig(key, sealed).chunkerPolynomial).toBe(0x35bba1908c7defn);
    expect(openBox(key, sealed).toString()).toBe(
      `{"version":2,"id":"${repo.config.id}","chunker_polynomial":"35bba1908c7def"}`,
    );
  });

  it('init without a polynomial picks a random degree-53 one', async () => {
    const repo = await newMemRepo({ chunkerPolynomial: undefined as unknown as bigint });
    expect(repo.config.chunkerPolynomial >> 53n).toBe(1n);
  });

  it('open without a config is repository-not-found', async () => {
    await expect(open(new MemBackend())).rejects.toMatchObject({ code: 'repository-not-found' });
  });

  it('init over an existing repository is repository-exists', async () => {
    const backend = new MemBackend();
    await newMemRepo({}, backend);
    await expect(newMemRepo({}, backend)).rejects.toMatchObject({ code: 'repository-exists' });
  });

  it('a wrong password is wrong-password', async () => {
    const backend = new MemBackend();
    await newMemRepo({}, backend);
    await expect(open(backend, 'nope')).rejects.toMatchObject({ code: 'wrong-password' });
  });

  it('version 1 repositories store blobs uncompressed', async () => {
    const repo = await newMemRepo({ version: 1 });
    expect(repo.codec.compression).toBe('off');
    // Compressible: a v2 repository would store it compressed.
    await repo.saveBlob('tree', Buffer.from(`${JSON.stringify({ nodes: Array(20).fill({ name: 'a' }) })}\n`));
    await repo.flush();
    const [, entry] = [...repo.indexEntries()][0]!;
    expect(entry.uncompressedLength).toBeUndefined();
  });
});

describe('Repository keys', () => {
  it('addKey makes a second password work and listKeys marks the current key', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    const id2 = await repo.addKey('second', { hostname: 'h2', username: 'u2' });
    const keys = await repo.listKeys();
    expect(keys.map((k) => k.id).sort()).toEqual([repo.keyId, id2].sort());
    expect(keys.find((k) => k.current)?.id).toBe(repo.keyId);
    expect(keys.find((k) => k.id === id2)).toMatchObject({ hostname: 'h2', username: 'u2', current: false });
    const other = await open(backend, 'second');
    expect(other.keyId).toBe(id2);
  });

  it('keyHint makes open try that key first', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    const id2 = await repo.addKey('pw');
    expect((await open(backend, 'pw', id2.slice(0, 8))).keyId).toBe(id2);
  });

  it('removeKey refuses the current key and removes another', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    const id2 = await repo.addKey('second');
    await expect(repo.removeKey(repo.keyId)).rejects.toMatchObject({ code: 'invalid-argument' });
    await repo.removeKey(id2);
    await expect(open(backend, 'second')).rejects.toMatchObject({ code: 'wrong-password' });
  });

  it('changePassword replaces the key: the old password fails, the new one opens', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    const old = repo.keyId;
    const id = await repo.changePassword('new');
    expect(repo.keyId).toBe(id);
    expect((await repo.listKeys()).map((k) => k.id)).toEqual([id]);
    expect(id).not.toBe(old);
    await expect(open(backend, 'pw')).rejects.toMatchObject({ code: 'wrong-password' });
    expect((await open(backend, 'new')).keyId).toBe(id);
  });
});

describe('Repository unpacked files and ids', () => {
  it('saveUnpacked/loadUnpacked round-trip; the name is the sha256 of the stored file', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    const json = Buffer.from('{"time":"2024-01-01T00:00:00Z","tree":"x","paths":["/"]}');
    const id = await repo.saveUnpacked('snapshots', json);
    expect(hashId(await backend.read({ type: 'snapshots', name: id }))).toBe(id);
    expect(await repo.loadUnpacked('snapshots', id)).toEqual(json);
  });

  it('a damaged unpacked file is corrupt, naming the file', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    const id = await repo.saveUnpacked('snapshots', Buffer.from('{}'));
    const bytes = await backend.read({ type: 'snapshots', name: id });
    bytes[20]! ^= 1;
    await backend.write({ type: 'snapshots', name: id }, bytes);
    await expect(repo.loadUnpacked('snapshots', id)).rejects.toMatchObject({
      code: 'corrupt',
      message: expect.stringContaining(`snapshots/${id}`) as unknown,
    });
  });

  it('resolveId finds a unique prefix, rejects ambiguous ones and reports missing ones', async () => {
    const repo = await newMemRepo();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await repo.saveUnpacked('snapshots', Buffer.from(`{"n":${i}}`)));
    const id = ids[0]!;
    expect(await repo.resolveId('snapshots', id.slice(0, 12))).toBe(id);
    expect(await repo.resolveId('snapshots', id)).toBe(id);
    const first = new Map<string, number>();
    for (const x of ids) first.set(x[0]!, (first.get(x[0]!) ?? 0) + 1);
    const shared = [...first].find(([, n]) => n > 1)![0];
    await expect(repo.resolveId('snapshots', shared)).rejects.toMatchObject({ code: 'invalid-argument' });
    // 40 ids leave most of the 256 two-digit prefixes unused.
    const unused = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).find(
      (p) => !ids.some((x) => x.startsWith(p)),
    );
    expect(unused).toBeDefined();
    await expect(repo.resolveId('snapshots', unused!)).rejects.toMatchObject({ code: 'not-found' });
    await expect(repo.resolveId('snapshots', '')).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});

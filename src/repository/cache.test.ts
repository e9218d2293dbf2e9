import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MemBackend } from '../backend/mem/index.js';
import { Repository } from './repository.js';
import { newMemRepo, removeDir, tempDir } from './test-support.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
function cacheDir(): string {
  const d = tempDir('cairn-cache-');
  dirs.push(d);
  return d;
}
const cached = (base: string, id: string, type: string) => path.join(base, type, id.slice(0, 2), id);

describe('metadata cache', () => {
  it('keeps index and snapshot files and tree packs in restic layout, but not data packs', async () => {
    const dir = cacheDir();
    const repo = await newMemRepo({ cacheDir: dir });
    const base = path.join(dir, repo.config.id);
    const tree = await repo.saveBlob('tree', Buffer.from('{"nodes":[]}\n'));
    const data = await repo.saveBlob('data', randomBytes(100));
    await repo.flush();
    const snap = await repo.saveUnpacked('snapshots', Buffer.from('{}'));
    expect(fs.existsSync(cached(base, snap, 'snapshots'))).toBe(true);
    expect(fs.existsSync(cached(base, repo.lookup('tree', tree.id)!.packId, 'data'))).toBe(true);
    expect(fs.existsSync(cached(base, repo.lookup('data', data.id)!.packId, 'data'))).toBe(false);
    const [indexId] = await fs.promises.readdir(path.join(base, 'index')).then((subs) =>
      subs.flatMap((s) => fs.readdirSync(path.join(base, 'index', s))),
    );
    expect(indexId).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.existsSync(path.join(dir, 'CACHEDIR.TAG'))).toBe(true);
    // Private to its owner whatever the umask: the cache holds the repository's (encrypted) metadata.
    expect(fs.statSync(cached(base, snap, 'snapshots')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(base, 'snapshots')).mode & 0o777).toBe(0o700);
  });

  it('serves tree blobs from the cache when the repository copy is gone', async () => {
    const dir = cacheDir();
    const backend = new MemBackend();
    const repo = await newMemRepo({ cacheDir: dir }, backend);
    const tree = await repo.saveBlob('tree', Buffer.from('{"nodes":[]}\n'));
    await repo.flush();
    const again = await Repository.open(backend, { password: 'pw', cacheDir: dir });
    await again.loadIndex();
    const packId = again.lookup('tree', tree.id)!.packId;
    const realRead = backend.read.bind(backend);
    backend.read = (h, o, l) => (h.type === 'data' ? Promise.reject(new Error('no network')) : realRead(h, o, l));
    expect((await again.loadBlob('tree', tree.id)).toString()).toBe('{"nodes":[]}\n');
    expect(packId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores and replaces a damaged cache entry', async () => {
    const dir = cacheDir();
    const backend = new MemBackend();
    const repo = await newMemRepo({ cacheDir: dir }, backend);
    const json = Buffer.from('{"a":1}');
    const id = await repo.saveUnpacked('snapshots', json);
    const file = cached(path.join(dir, repo.config.id), id, 'snapshots');
    fs.chmodSync(file, 0o600);
    fs.writeFileSync(file, 'tampered');
    const again = await Repository.open(backend, { password: 'pw', cacheDir: dir });
    expect(await again.loadUnpacked('snapshots', id)).toEqual(json);
    expect(fs.readFileSync(file)).toEqual(await backend.read({ type: 'snapshots', name: id }));
  });

  it('removes cached files that are gone from the repository when listing', async () => {
    const dir = cacheDir();
    const backend = new MemBackend();
    const repo = await newMemRepo({ cacheDir: dir }, backend);
    const id = await repo.saveUnpacked('snapshots', Buffer.from('{}'));
    await backend.remove({ type: 'snapshots', name: id });
    for await (const _ of repo.list('snapshots')) void _;
    expect(fs.existsSync(cached(path.join(dir, repo.config.id), id, 'snapshots'))).toBe(false);
  });
});

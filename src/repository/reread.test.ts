import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Handle } from '../backend/index.js';
import { MemBackend } from '../backend/mem/index.js';
import { Repository } from './repository.js';
import { newMemRepo, removeDir, tempDir } from './test-support.js';

/** Flips a byte in the next `times` reads of files of the armed types, as a broken network path would. */
class CorruptingBackend extends MemBackend {
  armed = new Set<string>();
  times = 1;
  reads = 0;
  override async read(h: Handle, offset?: number, length?: number): Promise<Buffer> {
    const data = await super.read(h, offset, length);
    this.reads++;
    if (!this.armed.has(h.type) || this.times === 0) return data;
    this.times--;
    data[Math.floor(data.length / 2)]! ^= 0x40;
    return data;
  }
  arm(types: string[], times = 1): void {
    this.armed = new Set(types);
    this.times = times;
    this.reads = 0;
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

async function repoWithBlob(type: 'data' | 'tree' = 'data', cacheDir?: string) {
  const backend = new CorruptingBackend();
  const repo = await newMemRepo(cacheDir === undefined ? {} : { cacheDir }, backend);
  const plain =
    type === 'tree'
      ? Buffer.from(`{"nodes":[],"x":"${randomBytes(50).toString('hex')}"}\n`)
      : randomBytes(5000);
  const { id } = await repo.saveBlob(type, plain);
  await repo.flush();
  return { backend, repo, plain, id };
}

describe('re-reading bytes damaged on the way', () => {
  it('loads a blob whose first read was corrupted', async () => {
    const { backend, repo, plain, id } = await repoWithBlob();
    backend.arm(['data']);
    expect(await repo.loadBlob('data', id)).toEqual(plain);
    expect(backend.reads).toBe(2);
  });

  it('reports a blob corrupted on every read as damaged', async () => {
    const { backend, repo, id } = await repoWithBlob();
    backend.arm(['data'], 100);
    await expect(repo.loadBlob('data', id)).rejects.toMatchObject({ code: 'corrupt' });
    expect(backend.reads).toBe(2);
  });

  it('re-reads a tree blob from the repository when the cached pack is damaged', async () => {
    const dir = tempDir('cairn-cache-');
    dirs.push(dir);
    const { backend, repo, plain, id } = await repoWithBlob('tree', dir);
    const packId = repo.lookup('tree', id)!.packId;
    const file = path.join(dir, repo.config.id, 'data', packId.slice(0, 2), packId);
    const bytes = fs.readFileSync(file);
    bytes[5]! ^= 0x01;
    fs.writeFileSync(file, bytes);
    backend.arm([]);
    expect(await repo.loadBlob('tree', id)).toEqual(plain);
    expect(backend.reads).toBe(1);
  });

  it('loads an index or snapshot file whose first read was corrupted', async () => {
    const backend = new CorruptingBackend();
    const repo = await newMemRepo({}, backend);
    const id = await repo.saveUnpacked('snapshots', Buffer.from('{"hello":1}'));
    backend.arm(['snapshots']);
    expect((await repo.loadUnpacked('snapshots', id)).toString()).toBe('{"hello":1}');
    expect(backend.reads).toBe(2);
  });

  it('reads a whole pack again when its content does not match its name', async () => {
    const { backend, repo, id } = await repoWithBlob();
    const packId = repo.lookup('data', id)!.packId;
    const good = await backend.read({ type: 'data', name: packId });
    backend.arm(['data']);
    expect(await repo.readPack(packId)).toEqual(good);
    expect(backend.reads).toBe(2);
  });

  it('opens a repository whose key file and config were corrupted on the first read', async () => {
    const backend = new CorruptingBackend();
    await newMemRepo({}, backend);
    backend.arm(['keys']);
    await expect(Repository.open(backend, { password: 'pw' })).resolves.toBeInstanceOf(Repository);
    backend.arm(['config']);
    await expect(Repository.open(backend, { password: 'pw' })).resolves.toBeInstanceOf(Repository);
    // Damaged at rest, a key file still means no key opens.
    backend.arm(['keys'], 100);
    await expect(Repository.open(backend, { password: 'pw' })).rejects.toMatchObject({
      code: 'wrong-password',
    });
  });
});

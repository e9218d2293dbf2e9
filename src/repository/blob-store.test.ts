import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Backend, Handle } from '../backend/index.js';
import { MemBackend } from '../backend/mem/index.js';
import { hashId } from '../core/index.js';
import { Repository } from './repository.js';
import { decodeIndex } from './index-codec.js';
import { newMemRepo } from './test-support.js';

/** Records the order of writes and can hold pack uploads to observe concurrency. */
class RecordingBackend extends MemBackend {
  readonly writes: Handle[] = [];
  inFlight = 0;
  maxInFlight = 0;
  override async write(h: Handle, data: Uint8Array): Promise<void> {
    if (h.type === 'data') {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise((r) => setTimeout(r, 5));
      this.inFlight--;
    }
    await super.write(h, data);
    this.writes.push(h);
  }
}

async function indexDocs(backend: Backend, repo: Repository) {
  const out = [];
  for await (const fi of backend.list('index')) out.push(decodeIndex(await repo.loadUnpacked('index', fi.name)));
  return out;
}

describe('saving and loading blobs', () => {
  it('saveBlob then flush makes the blob loadable, indexed and verified', async () => {
    const repo = await newMemRepo();
    // Half random (a new blob each run), half zeros (so compression pays and the blob is stored compressed).
    const data = Buffer.concat([randomBytes(5_000), Buffer.alloc(5_000)]);
    const res = await repo.saveBlob('data', data);
    expect(res).toMatchObject({ id: hashId(data), known: false });
    expect(res.sizeInRepo).toBeGreaterThan(32);
    await repo.flush();
    expect(repo.lookup('data', res.id)).toMatchObject({ offset: 0, length: res.sizeInRepo, uncompressedLength: 10_000 });
    expect(await repo.loadBlob('data', res.id)).toEqual(data);
  });

  it('dedups against blobs queued in this session, even before any await', async () => {
    const repo = await newMemRepo();
    const data = Buffer.from('same content');
    const [a, b] = await Promise.all([repo.saveBlob('data', data), repo.saveBlob('data', data)]);
    expect(a.known).toBe(false);
    expect(b).toEqual({ id: a.id, known: true, sizeInRepo: 0 });
    await repo.flush();
    expect([...repo.indexEntries()].length).toBe(1);
  });

  it('dedups against the loaded index of a reopened repository', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    const { id } = await repo.saveBlob('data', Buffer.from('x'.repeat(100)));
    await repo.flush();
    const again = await Repository.open(backend, { password: 'pw' });
    await again.loadIndex();
    expect((await again.saveBlob('data', Buffer.from('x'.repeat(100)))).known).toBe(true);
    expect(again.has('data', id)).toBe(true);
  });

  it('a reload drops the blobs of index files that disappeared, keeping packs another index still names', async () => {
    const backend = new MemBackend();
    const writer = await newMemRepo({}, backend);
    const gone = await writer.saveBlob('data', Buffer.from('pruned by another process'));
    await writer.flush();
    const kept = await writer.saveBlob('data', Buffer.from('still indexed'));
    await writer.flush();
    const reader = await Repository.open(backend, { password: 'pw' });
    await reader.loadIndex();
    expect(reader.has('data', gone.id) && reader.has('data', kept.id)).toBe(true);
    // Another process (a prune) deletes the first index file and its pack.
    for await (const fi of backend.list('index')) {
      const doc = decodeIndex(await reader.loadUnpacked('index', fi.name));
      if (doc.packs.some((p) => p.blobs.some((b) => b.id === gone.id))) {
        await backend.remove({ type: 'index', name: fi.name });
        for (const p of doc.packs) await backend.remove({ type: 'data', name: p.id });
      }
    }
    await reader.loadIndex();
    expect(reader.has('data', gone.id)).toBe(false);
    expect(reader.has('data', kept.id)).toBe(true);
    expect((await reader.saveBlob('data', Buffer.from('pruned by another process'))).known).toBe(false);
  });

  it('compresses tree blobs even when off, data blobs unless off, never an empty blob, and only when smaller', async () => {
    const repo = await newMemRepo({ compression: 'off' });
    const treeBytes = Buffer.from(`${JSON.stringify({ nodes: Array(20).fill({ name: 'a', type: 'file' }) })}\n`);
    const tree = await repo.saveBlob('tree', treeBytes);
    const tiny = await repo.saveBlob('tree', Buffer.from('{"nodes":[]}\n'));
    const data = await repo.saveBlob('data', Buffer.from('x'.repeat(1000)));
    const empty = await repo.saveBlob('data', Buffer.alloc(0));
    await repo.flush();
    expect(repo.lookup('tree', tree.id)?.uncompressedLength).toBe(treeBytes.length);
    expect(repo.lookup('tree', tiny.id)?.uncompressedLength).toBeUndefined();
    expect(await repo.loadBlob('tree', tiny.id)).toEqual(Buffer.from('{"nodes":[]}\n'));
    expect(repo.lookup('data', data.id)?.uncompressedLength).toBeUndefined();
    expect(repo.lookup('data', empty.id)).toMatchObject({ length: 32 });
    expect(repo.lookup('data', empty.id)?.uncompressedLength).toBeUndefined();
    expect(await repo.loadBlob('data', empty.id)).toEqual(Buffer.alloc(0));
  });

  it('keeps data and tree blobs in separate packs', async () => {
    const repo = await newMemRepo();
    const d = await repo.saveBlob('data', Buffer.from('d'));
    const t = await repo.saveBlob('tree', Buffer.from('{"nodes":[]}\n'));
    await repo.flush();
    expect(repo.lookup('data', d.id)!.packId).not.toBe(repo.lookup('tree', t.id)!.packId);
    const header = await repo.loadPackHeader(repo.lookup('tree', t.id)!.packId);
    expect(header).toEqual([{ type: 'tree', id: t.id, offset: 0, length: t.sizeInRepo }]);
  });

  it('savePreparedBlob stores worker output as is', async () => {
    const repo = await newMemRepo();
    const plain = randomBytes(3000);
    const { sealed, uncompressedLength } = repo.codec.seal('data', plain);
    const res = await repo.savePreparedBlob({
      type: 'data',
      id: hashId(plain),
      sealed,
      ...(uncompressedLength === undefined ? {} : { uncompressedLength }),
    });
    expect(res.sizeInRepo).toBe(sealed.length);
    await repo.flush();
    expect(await repo.loadBlob('data', res.id)).toEqual(plain);
  });

  it('finishes packs at the target size and bounds concurrent uploads', async () => {
    const backend = new RecordingBackend();
    const repo = await newMemRepo({ packSize: 64 * 1024, maxPackUploads: 2, compression: 'off' }, backend);
    for (let i = 0; i < 40; i++) await repo.saveBlob('data', randomBytes(20_000));
    await repo.flush();
    const packs = new Set([...repo.indexEntries()].map(([, e]) => e.packId));
    expect(packs.size).toBe(10); // 4 blobs of 20,032 sealed bytes reach 64 KiB
    expect(backend.maxInFlight).toBeLessThanOrEqual(2);
    expect(backend.maxInFlight).toBeGreaterThan(1);
  });

  it('writes an index file every N blobs during a run, always after the packs it names', async () => {
    const backend = new RecordingBackend();
    const repo = await newMemRepo({ packSize: 1000, indexFlushBlobs: 5, compression: 'off' }, backend);
    for (let i = 0; i < 12; i++) await repo.saveBlob('data', randomBytes(1200));
    const written = new Set<string>();
    for (const w of backend.writes) {
      if (w.type === 'data') written.add(w.name);
      if (w.type !== 'index') continue;
      const doc = decodeIndex(await repo.loadUnpacked('index', w.name));
      for (const p of doc.packs) expect(written.has(p.id)).toBe(true);
    }
    expect(backend.writes.filter((w) => w.type === 'index').length).toBeGreaterThanOrEqual(1);
    await repo.flush();
    const all = (await indexDocs(backend, repo)).flatMap((d) => d.packs.flatMap((p) => p.blobs));
    expect(all.length).toBe(12);
  });

  it("an interrupted run's indexed packs are reused by the next run", async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({ packSize: 1000, indexFlushBlobs: 2, compression: 'off' }, backend);
    const blobs = Array.from({ length: 6 }, () => randomBytes(1500));
    for (const b of blobs) await repo.saveBlob('data', b);
    // no flush: the process "dies" here
    const next = await Repository.open(backend, { password: 'pw' });
    await next.loadIndex();
    const known = blobs.filter((b) => next.has('data', hashId(b))).length;
    expect(known).toBeGreaterThanOrEqual(4);
  });

  it('loadBlob tries the next copy when one pack is damaged, and names the pack otherwise', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    const plain = Buffer.from('twice stored');
    await repo.saveBlob('data', plain);
    await repo.flush();
    const first = repo.lookup('data', hashId(plain))!;
    // a second repository session stores the same blob again (e.g. before its index was loaded)
    const second = await Repository.open(backend, { password: 'pw' });
    await second.saveBlob('data', plain);
    await second.flush();
    await second.loadIndex();
    expect(second.lookupAll('data', hashId(plain)).length).toBe(2);
    const bytes = await backend.read({ type: 'data', name: first.packId });
    bytes[first.offset + 20]! ^= 0xff;
    await backend.write({ type: 'data', name: first.packId }, bytes);
    expect(await second.loadBlob('data', hashId(plain))).toEqual(plain);
    const other = second.lookupAll('data', hashId(plain)).find((e) => e.packId !== first.packId)!;
    await backend.remove({ type: 'data', name: other.packId });
    await expect(second.loadBlob('data', hashId(plain))).rejects.toMatchObject({
      code: 'corrupt',
      message: expect.stringContaining(first.packId) as unknown,
    });
  });

  it('loadBlob of an unknown blob is not-found', async () => {
    const repo = await newMemRepo();
    await expect(repo.loadBlob('data', 'ab'.repeat(32))).rejects.toMatchObject({ code: 'not-found' });
  });

  it('a failed pack upload surfaces at flush', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({}, backend);
    backend.write = () => Promise.reject(new Error('disk gone'));
    await repo.saveBlob('data', Buffer.from('lost'));
    await expect(repo.flush()).rejects.toThrow('disk gone');
  });

  it('flush after a failed upload rejects at once, although blobs wait in an open pack', async () => {
    const backend = new MemBackend();
    const repo = await newMemRepo({ packSize: 64 * 1024, maxPackUploads: 2, compression: 'off' }, backend);
    backend.write = () => new Promise((_, reject) => setTimeout(() => reject(new Error('disk full')), 5));
    // Four blobs finish a pack whose upload fails; the fifth stays in the next, open pack.
    for (let i = 0; i < 5; i++) await repo.saveBlob('data', randomBytes(20_000));
    await new Promise((r) => setTimeout(r, 10));
    const hang = new Promise((r) => setTimeout(() => r('still waiting'), 1000));
    await expect(Promise.race([repo.flush(), hang])).rejects.toThrow('disk full');
  });
});

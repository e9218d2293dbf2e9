import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemBackend } from '../backend/mem/index.js';
import { hashId, type TreeNode } from '../core/index.js';
import { planPackReads } from './pack-plan.js';
import type { PlannedFile } from './plan.js';
import { restore } from './restore.js';
import { newRepo, snapshotFromSpec, tempDir } from './test-support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function planned(name: string, content: string[]): PlannedFile {
  const node = { name, type: 'file', content } as unknown as TreeNode;
  return { rel: [name], loc: `/${name}`, node };
}

describe('restore by pack', () => {
  it('reads a pack once and writes a shared blob to every file and offset that needs it', async () => {
    const repo = await newRepo();
    const x = (await repo.saveBlob('data', Buffer.from('x'.repeat(100)))).id;
    const y = (await repo.saveBlob('data', Buffer.from('y'.repeat(50)))).id;
    await repo.flush();
    const a = planned('a', [x, y]);
    const b = planned('b', [y]);
    const { tasks, ranges } = planPackReads(repo, [a, b], (f) => f.loc, 1 << 20);
    expect(ranges).toHaveLength(1);
    expect(ranges[0]!.blobs.map((bl) => bl.id).sort()).toEqual([x, y].sort());
    const shared = ranges[0]!.blobs.find((bl) => bl.id === y)!;
    expect(shared.uses.map((u) => [u.task.file.loc, u.offset])).toEqual([
      ['/a', 100],
      ['/b', 0],
    ]);
    expect(tasks.map((t) => t.pending)).toEqual([2, 1]);
  });

  it('splits a pack into ranges no longer than the read limit', async () => {
    const repo = await newRepo();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await repo.saveBlob('data', randomBytes(1000))).id);
    await repo.flush();
    const { ranges } = planPackReads(repo, [planned('f', ids)], (f) => f.loc, 2500);
    expect(ranges.map((r) => r.blobs.length)).toEqual([2, 2]);
    for (const r of ranges) expect(r.length).toBeLessThanOrEqual(2500);
  });

  it('reports a file whose blob is damaged and still restores the other files of the same pack', async () => {
    const backend = new MemBackend();
    const repo = await newRepo(backend);
    const snap = await snapshotFromSpec(repo, { 'good.txt': 'fine content', 'bad.txt': 'doomed content' });
    const badId = repo.lookup('data', hashId(Buffer.from('doomed content')))!;
    const pack = await backend.read({ type: 'data', name: badId.packId });
    const at = badId.offset + 20;
    pack[at] = pack[at]! ^ 0xff;
    await backend.write({ type: 'data', name: badId.packId }, pack);
    const target = tempDir();
    dirs.push(target);
    const r = await restore(repo, snap, { target });
    expect(fs.readFileSync(path.join(target, 'good.txt'), 'utf8')).toBe('fine content');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.item).toBe('/bad.txt');
    expect(r.errors[0]!.message).toMatch(/damaged/);
    expect(r.filesRestored).toBe(1);
  });
});

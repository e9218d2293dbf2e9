import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBackendConformance } from '../testing/index.js';
import { LocalBackend } from './local.js';

const roots: string[] = [];
async function tempRoot(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cairn-local-'));
  roots.push(dir);
  return path.join(dir, 'repo');
}
afterAll(async () => {
  for (const r of roots) await fs.rm(r, { recursive: true, force: true });
});

runBackendConformance('LocalBackend', async () => new LocalBackend(await tempRoot()));

describe('LocalBackend layout', () => {
  it('create makes restic folders including all 256 data/XX folders', async () => {
    const root = await tempRoot();
    await new LocalBackend(root).create();
    for (const d of ['keys', 'snapshots', 'index', 'locks', 'data']) {
      expect((await fs.stat(path.join(root, d))).isDirectory()).toBe(true);
    }
    expect((await fs.readdir(path.join(root, 'data'))).length).toBe(256);
    await expect(fs.stat(path.join(root, 'config'))).rejects.toThrow();
  });

  it('stores data files under data/XX with mode 0400 and leaves no temp file', async () => {
    const root = await tempRoot();
    const b = new LocalBackend(root);
    await b.create();
    const name = 'ab'.padEnd(64, '0');
    await b.write({ type: 'data', name }, Buffer.from('hello'));
    const st = await fs.stat(path.join(root, 'data', 'ab', name));
    expect(st.mode & 0o777).toBe(0o400);
    expect(await fs.readdir(path.join(root, 'data', 'ab'))).toEqual([name]);
  });

  it('lists data although some data/XX folders are missing', async () => {
    const root = await tempRoot();
    const b = new LocalBackend(root);
    await b.create();
    await fs.rm(path.join(root, 'data', '00'), { recursive: true });
    const name = '00'.padEnd(64, '1');
    await b.write({ type: 'data', name }, Buffer.from('x'));
    await fs.rm(path.join(root, 'data', '01'), { recursive: true });
    const listed = [];
    for await (const f of b.list('data')) listed.push(f.name);
    expect(listed).toEqual([name]);
  });

  it('names the file in a not-found error', async () => {
    const root = await tempRoot();
    const b = new LocalBackend(root);
    await b.create();
    await expect(b.read({ type: 'index', name: 'cd'.repeat(32) })).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('index/' + 'cd'.repeat(32)) as unknown,
    });
  });
});

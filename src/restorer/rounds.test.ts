import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FILES_PER_ROUND } from './plan.js';
import { restore } from './restore.js';
import type { Spec } from './test-support.js';
import { newRepo, snapshotFromSpec, tempDir } from './test-support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('restore in rounds of files', () => {
  it('restores more files than one round, with a hard link whose first name was in an earlier round', async () => {
    const repo = await newRepo();
    const linked = { links: 2, inode: 4242n, device_id: 7n };
    const spec: Spec = { a: { file: 'first name', extra: linked } };
    const many: Spec = {};
    for (let i = 0; i < FILES_PER_ROUND + 10; i++) many[`f${i}`] = i % 1000 === 0 ? `content ${i}` : '';
    spec.many = { dir: many };
    spec.z = { file: 'first name', extra: linked };
    const snap = await snapshotFromSpec(repo, spec);
    const target = tempDir();
    dirs.push(target);
    const r = await restore(repo, snap, { target, verify: true });
    expect(r.errors).toEqual([]);
    expect(r.verifyFailures).toEqual([]);
    expect(r.filesRestored).toBe(FILES_PER_ROUND + 12);
    expect(fs.readdirSync(path.join(target, 'many'))).toHaveLength(FILES_PER_ROUND + 10);
    expect(fs.readFileSync(path.join(target, 'many', 'f2000'), 'utf8')).toBe('content 2000');
    expect(fs.statSync(path.join(target, 'z')).ino).toBe(fs.statSync(path.join(target, 'a')).ino);
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../backend/local/index.js';
import type { Id } from '../core/index.js';
import { RESTIC } from '../../test/harness/restic.js';
import { Repository } from './repository.js';
import { CHEAP_SCRYPT, extractFixture, removeDir, tempDir } from './test-support.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function restic(repoDir: string, password: string, ...args: string[]): string {
  const pwFile = path.join(path.dirname(repoDir), 'pw');
  fs.writeFileSync(pwFile, password);
  return execFileSync(RESTIC!, ['-r', repoDir, '--password-file', pwFile, '--no-cache', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Saves `content` as data blobs of ~200 KB, a tree naming it f.bin, and a snapshot; returns the snapshot id. */
async function writeFileSnapshot(repo: Repository, content: Buffer): Promise<Id> {
  const ids: Id[] = [];
  for (let off = 0; off < content.length; off += 200_000) {
    ids.push((await repo.saveBlob('data', content.subarray(off, off + 200_000))).id);
  }
  const t = '2024-01-05T00:00:00Z';
  const node = { name: 'f.bin', type: 'file', mode: 420, mtime: t, atime: t, ctime: t, uid: 0, gid: 0 };
  const tree = `${JSON.stringify({ nodes: [{ ...node, size: content.length, links: 1, content: ids }] })}\n`;
  const treeId = (await repo.saveBlob('tree', Buffer.from(tree))).id;
  await repo.flush();
  const snap = { time: t, tree: treeId, paths: ['/interop'], hostname: 'cairn-test', username: 'tester' };
  return repo.saveUnpacked('snapshots', Buffer.from(JSON.stringify(snap)));
}

function mixedContent(): Buffer {
  const text = Buffer.from('Cairn writes packs that restic reads.\n'.repeat(20_000));
  return Buffer.concat([randomBytes(700_000), text, randomBytes(123)]);
}

describe.skipIf(!RESTIC)('restic 0.14 accepts what Cairn writes', () => {
  it('packs, index files and a snapshot added to the fixture pass check --read-data and dump', async () => {
    const repoDir = extractFixture();
    dirs.push(path.dirname(repoDir));
    const content = mixedContent();
    const opts = { password: 'test', packSize: 300_000, indexFlushBlobs: 3 };
    const repo = await Repository.open(new LocalBackend(repoDir), opts);
    await repo.loadIndex();
    const snapId = await writeFileSnapshot(repo, content);
    // a second session with compression off mixes uncompressed blobs in
    const plain = await Repository.open(new LocalBackend(repoDir), { ...opts, compression: 'off' });
    await plain.loadIndex();
    const content2 = Buffer.concat([content.subarray(0, 400_000), randomBytes(250_000)]);
    const snap2 = await writeFileSnapshot(plain, content2);

    expect(fs.readdirSync(path.join(repoDir, 'index')).length).toBeGreaterThan(3);
    const out = restic(repoDir, 'test', 'check', '--read-data');
    expect(out).toContain('no errors were found');
    expect(Buffer.from(execDump(repoDir, snapId))).toEqual(content);
    expect(Buffer.from(execDump(repoDir, snap2))).toEqual(content2);
  });

  it('a repository Cairn initialises opens in restic and passes check', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const repoDir = path.join(dir, 'repo');
    const repo = await Repository.init(new LocalBackend(repoDir), {
      password: 'secret',
      chunkerPolynomial: 0x35bba1908c7defn,
      scryptParams: CHEAP_SCRYPT,
    });
    const content = mixedContent();
    const snapId = await writeFileSnapshot(repo, content);
    const lock = await repo.lock({ exclusive: false });
    expect(restic(repoDir, 'secret', 'list', 'locks').trim()).toMatch(/^[0-9a-f]{64}$/);
    await lock.release();
    expect(restic(repoDir, 'secret', 'check', '--read-data')).toContain('no errors were found');
    expect(restic(repoDir, 'secret', 'cat', 'config')).toContain('"chunker_polynomial": "35bba1908c7def"');
    expect(Buffer.from(execDump(repoDir, snapId, 'secret'))).toEqual(content);
  });
});

function execDump(repoDir: string, snapId: Id, password = 'test'): Buffer {
  const pwFile = path.join(path.dirname(repoDir), 'pw');
  fs.writeFileSync(pwFile, password);
  return execFileSync(RESTIC!, ['-r', repoDir, '--password-file', pwFile, '--no-cache', 'dump', snapId, '/f.bin'], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

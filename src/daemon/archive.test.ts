import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveFolder } from './archive-folder.js';
import { archiveName, openArchiveStore, writeArchive } from './archive.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-archive-'));
  fs.mkdirSync(path.join(dir, 'src/sub/deep'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'src/a.bin'),
    Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)),
  );
  fs.writeFileSync(path.join(dir, 'src/empty'), '');
  fs.writeFileSync(path.join(dir, 'src/sub/deep/' + 'n'.repeat(120)), 'a long name\n');
  fs.writeFileSync(path.join(dir, 'src/skip.tmp'), 'excluded');
  fs.symlinkSync('a.bin', path.join(dir, 'src/link'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const hasZstd = (() => {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    // Outside CI a machine without the zstd tool skips the tar.zst case; CI installs it (install-test-deps.sh).
    if (process.env.CI) throw new Error('zstd is missing: run scripts/install-test-deps.sh');
    return false;
  }
})();

/** Every file, link and folder below `root` with its bytes or target, for comparing two trees. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    const p = path.join(root, rel);
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(p)}`;
    else if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(rel, n));
    else out[rel] = fs.readFileSync(p).toString('base64');
  };
  walk('');
  return out;
}

describe('writeArchive', () => {
  for (const format of ['tar.zst', 'tar.gz'] as const) {
    it.skipIf(format === 'tar.zst' && !hasZstd)(
      `writes a ${format} that GNU tar extracts to the same bytes`,
      async () => {
        const to = path.join(dir, 'out');
        const src = path.join(dir, 'src');
        const at = new Date('2026-12-06T23:05:09Z');
        const r = await writeArchive(
          'web',
          { to, format, keep: 3, options: {} },
          new ArchiveFolder(to),
          [src],
          ['*.tmp'],
          at,
          new AbortController().signal,
        );
        expect(path.basename(r.file)).toBe(`web-20261206-230509.${format}`);
        expect(fs.readdirSync(to)).toEqual([path.basename(r.file)]);
        const x = path.join(dir, 'x');
        fs.mkdirSync(x);
        execFileSync('tar', ['-x', format === 'tar.zst' ? '--zstd' : '-z', '-f', r.file, '-C', x]);
        const want = tree(src);
        delete want['skip.tmp'];
        expect(tree(path.join(x, src.slice(1)))).toEqual(want);
      },
    );
  }

  it('keeps the newest N of the job and removes leftovers of an interrupted write', async () => {
    const to = path.join(dir, 'out');
    fs.mkdirSync(to);
    fs.writeFileSync(path.join(to, '.web-20200101-000000.tar.gz.tmp'), 'half');
    fs.writeFileSync(path.join(to, 'other-20200101-000000.tar.gz'), 'another job');
    const src = [path.join(dir, 'src')];
    for (let s = 0; s < 4; s++) {
      const at = new Date(Date.UTC(2026, 11, 6, 1, 0, s));
      await writeArchive(
        'web',
        { to, format: 'tar.gz', keep: 2, options: {} },
        new ArchiveFolder(to),
        src,
        [],
        at,
        new AbortController().signal,
      );
    }
    expect(fs.readdirSync(to).sort()).toEqual([
      'other-20200101-000000.tar.gz',
      'web-20261206-010002.tar.gz',
      'web-20261206-010003.tar.gz',
    ]);
  });

  it('leaves no file behind when the sources cannot be read', async () => {
    const to = path.join(dir, 'out');
    const missing = [path.join(dir, 'missing')];
    await expect(
      writeArchive(
        'web',
        { to, format: 'tar.gz', keep: 2, options: {} },
        new ArchiveFolder(to),
        missing,
        [],
        new Date(),
        new AbortController().signal,
      ),
    ).rejects.toThrow(/ENOENT/);
    expect(fs.readdirSync(to)).toEqual([]);
    expect(archiveName('a.b', 'tar.zst', new Date('2026-01-02T03:04:05Z'))).toBe(
      'a.b-20260102-030405.tar.zst',
    );
  });

  it("keeps to the job's limit_upload on average", async () => {
    const to = path.join(dir, 'out');
    const src = path.join(dir, 'random');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'r.bin'), randomBytes(250_000)); // does not compress
    const a = { to, format: 'tar.gz' as const, keep: 2, options: {} };
    const t0 = Date.now();
    const r = await writeArchive(
      'web',
      a,
      await openArchiveStore(a, {}, 100 * 1024),
      [src],
      [],
      new Date(),
      new AbortController().signal,
    );
    // The first second's worth passes at once, the rest at 100 KiB/s.
    expect(r.bytes).toBeGreaterThan(250_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(((r.bytes - 100 * 1024) / (100 * 1024)) * 1000 - 50);
  });
});

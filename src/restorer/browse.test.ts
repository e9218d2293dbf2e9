import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { isCairnError, nameFromBytes } from '../core/index.js';
import { diffSnapshots, dump, listNodes, snapshotStats } from './index.js';
import { collect, newRepo, snapshotFromSpec } from './test-support.js';

async function dumpEntries(bytes: Buffer): Promise<{ header: tar.Header; body: string }[]> {
  const out: { header: tar.Header; body: string }[] = [];
  for await (const entry of tar.extract().end(bytes) as unknown as AsyncIterable<tar.Header & { header: tar.Header } & AsyncIterable<Buffer>>) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c);
    out.push({ header: entry.header, body: Buffer.concat(chunks).toString() });
  }
  return out;
}

async function dumpBytes(...args: Parameters<typeof dump> extends [infer R, infer S, infer P, unknown, ...infer O] ? [R, S, P, ...O] : never): Promise<Buffer> {
  const [repo, snap, p, opts] = args;
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await dump(repo, snap, p, out, opts);
  return Buffer.concat(chunks);
}

describe('dump', () => {
  it('writes a folder as tar entries relative to it with owners, modes and link targets', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, {
      top: {
        dir: {
          'f.txt': { file: [Buffer.from('ab'), Buffer.from('cd')], extra: { uid: 1000, gid: 100, user: 'ann', group: 'staff', mode: 0o640 } },
          sub: { dir: { 'g.txt': 'g' } },
          l: { symlink: '../elsewhere' },
        },
      },
    });
    const entries = await dumpEntries(await dumpBytes(repo, snap, '/top'));
    expect(entries.map((e) => `${e.header.type} ${e.header.name}`)).toEqual(['file f.txt', 'symlink l', 'directory sub/', 'file sub/g.txt']);
    expect(entries[0]).toMatchObject({ body: 'abcd', header: { uid: 1000, gid: 100, uname: 'ann', gname: 'staff', mode: 0o640, size: 4 } });
    expect(entries[1]!.header.linkname).toBe('../elsewhere');
    expect(entries[0]!.header.mtime.toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });

  it('names tar entries from the snapshot root when asked, as restic 0.14 does', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { top: { dir: { 'f.txt': 'f' } } });
    const entries = await dumpEntries(await dumpBytes(repo, snap, '/top', { pathsRelativeTo: 'snapshot' }));
    expect(entries.map((e) => e.header.name)).toEqual(['top/f.txt']);
  });

  it('keeps names, link targets and xattr values that are not UTF-8 byte-exact in the tar, as GNU tar reads them', async () => {
    const raw = (...b: number[]): string => nameFromBytes(Buffer.from(b));
    const caf = raw(0x63, 0x61, 0x66, 0xe9); // "café" in Latin-1
    const long = 'n'.repeat(150);
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, {
      top: {
        dir: {
          [caf]: { dir: { [`${caf}.txt`]: 'x' } },
          [long]: { file: 'y', extra: { uid: 3_000_000, extended_attributes: [{ name: 'user.k', value: Buffer.from([0xff, 0x00, 0x41]) }] } },
          l: { symlink: `../${caf}` },
        },
      },
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-dump-raw-'));
    try {
      execFileSync('tar', ['-x', '--xattrs', '--xattrs-include=user.*', '-C', dir], { input: await dumpBytes(repo, snap, '/top') });
      const cafBytes = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
      const names = fs.readdirSync(dir, { encoding: 'buffer' }).map((n) => n.toString('hex')).sort();
      expect(names).toEqual([cafBytes, Buffer.from('l'), Buffer.from(long)].map((b) => b.toString('hex')).sort());
      const inner = fs.readdirSync(Buffer.concat([Buffer.from(dir + '/'), cafBytes]), { encoding: 'buffer' });
      expect(inner.map((n) => n.toString('hex'))).toEqual([Buffer.concat([cafBytes, Buffer.from('.txt')]).toString('hex')]);
      expect(fs.readlinkSync(path.join(dir, 'l'), { encoding: 'buffer' }).toString('hex')).toBe(Buffer.concat([Buffer.from('../'), cafBytes]).toString('hex'));
      expect(fs.readFileSync(path.join(dir, long), 'utf8')).toBe('y');
      const listing = execFileSync('tar', ['-t', '-v', '--numeric-owner'], { input: await dumpBytes(repo, snap, '/top') }).toString('latin1');
      expect(listing).toContain(' 3000000/');
      const xattr = execFileSync('getfattr', ['--absolute-names', '--only-values', '-n', 'user.k', path.join(dir, long)]);
      expect(xattr.toString('hex')).toBe('ff0041');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a folder as zip entries with modes, link targets and contents when asked', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, {
      top: { dir: { 'f.txt': { file: [Buffer.from('ab'), Buffer.from('cd')], extra: { mode: 0o640 } }, l: { symlink: '../x' }, sub: { dir: {} } } },
    });
    const script = `import io, json, sys, zipfile
z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
print(json.dumps([[i.filename, oct(i.external_attr >> 16), list(i.date_time), z.read(i).decode()] for i in z.infolist()]))`;
    const zip = await dumpBytes(repo, snap, '/top', { archive: 'zip', pathsRelativeTo: 'snapshot' });
    expect(JSON.parse(execFileSync('python3', ['-c', script], { input: zip, encoding: 'utf8' }))).toEqual([
      ['top/f.txt', '0o100640', [2024, 1, 1, 0, 0, 0], 'abcd'],
      ['top/l', '0o120777', [2024, 1, 1, 0, 0, 0], '../x'],
      ['top/sub/', '0o40755', [2024, 1, 1, 0, 0, 0], ''],
    ]);
  });

  it('fails with not-found for a path that is not in the snapshot', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { 'a.txt': 'a' });
    await expect(dumpBytes(repo, snap, '/nope')).rejects.toSatisfy((e) => isCairnError(e, 'not-found'));
  });
});

describe('listNodes', () => {
  it('lists a folder recursively when asked', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { a: { dir: { b: { dir: { 'c.txt': 'c' } } } }, 'd.txt': 'd' });
    const flat = await collect(listNodes(repo, snap, { paths: ['/a'] }));
    expect(flat.map((x) => x.path)).toEqual(['/a', '/a/b']);
    const deep = await collect(listNodes(repo, snap, { paths: ['/a'], recursive: true }));
    expect(deep.map((x) => x.path)).toEqual(['/a', '/a/b', '/a/b/c.txt']);
  });
});

describe('diffSnapshots', () => {
  it('reports added and removed folders with their contents, type changes and metadata changes', async () => {
    const repo = await newRepo();
    const a = await snapshotFromSpec(repo, { gone: { dir: { 'x.txt': 'x' } }, t: 'file', same: { dir: { 'k.txt': 'k' } }, m: 'meta' });
    const b = await snapshotFromSpec(repo, {
      t: { dir: {} },
      same: { dir: { 'k.txt': 'k' } },
      m: { file: 'meta', extra: { mode: 0o600 } },
      new: { dir: { 'y.txt': 'y' } },
    });
    const run = diffSnapshots(repo, a, b, { metadata: true });
    const changes = (await collect(run)).map((c) => `${c.modifiers} ${c.path}`);
    expect(changes).toEqual(['- /gone/', '- /gone/x.txt', 'U /m', '+ /new/', '+ /new/y.txt', 'TU /t/']);
    expect(run.totals.added).toMatchObject({ files: 1, dirs: 1 });
    expect(run.totals.removed).toMatchObject({ files: 1, dirs: 1 });
    const plain = await collect(diffSnapshots(repo, a, b));
    expect(plain.some((c) => c.path === '/m')).toBe(false);
  });
});

describe('snapshotStats', () => {
  it('counts a hard-linked inode once in restore-size', async () => {
    const repo = await newRepo();
    const extra = { links: 2, inode: 9n, device_id: 1n };
    const snap = await snapshotFromSpec(repo, { a: { file: 'hello', extra }, b: { file: 'hello', extra }, c: 'xy' });
    expect(await snapshotStats(repo, [snap], 'restore-size')).toEqual({ total_size: 7, total_file_count: 3, snapshots_count: 1 });
  });
});

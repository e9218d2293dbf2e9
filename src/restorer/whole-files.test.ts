import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Repository } from '../repository/index.js';
import { WorkerOpener } from './blob-opener.js';
import { restore } from './restore.js';
import { newRepo, snapshotFromSpec, scratchDirs, TIME } from './test-support.js';
import { WHOLE_FILES_PER_JOB } from './whole-files.js';

const scratch = scratchDirs();

/** Every pack read comes back with a byte of its last blob flipped, as if damaged in transit. */
function damagePackReads(repo: Repository): void {
  const read = repo.readPackRange.bind(repo);
  repo.readPackRange = async (packId, offset, length) => {
    const raw = await read(packId, offset, length);
    raw[raw.length - 30] = raw[raw.length - 30]! ^ 0xff;
    return raw;
  };
}

const parts = [Buffer.alloc(30_000, 1), Buffer.alloc(20_000, 2)];

describe('files made whole by the job that writes them', () => {
  it('removes a symlink planted at a file path after planning, and writes nothing through it', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { d: { dir: { 'a.txt': 'alpha', 'b.txt': { file: parts } } } });
    const outside = scratch();
    fs.writeFileSync(path.join(outside, 'victim'), 'precious');
    const target = path.join(scratch(), 'out');
    const read = repo.readPackRange.bind(repo);
    // The folders exist and the files are planned when the pack is read; the job creating the files comes after.
    repo.readPackRange = async (...args) => {
      for (const name of ['a.txt', 'b.txt']) fs.symlinkSync(path.join(outside, 'victim'), path.join(target, 'd', name));
      return read(...args);
    };
    const r = await restore(repo, snap, { target });
    expect(r.errors).toEqual([]);
    expect(fs.readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('precious');
    expect(fs.lstatSync(path.join(target, 'd/a.txt')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(target, 'd/a.txt'), 'utf8')).toBe('alpha');
    expect(fs.readFileSync(path.join(target, 'd/b.txt')).equals(Buffer.concat(parts))).toBe(true);
  });

  it('finishes a file whose blob failed in the job from this thread, reopening the file the job created', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { f: { file: parts, extra: { mode: 0o640, mtime: '2023-05-06T07:08:09Z' } } });
    // The read is damaged in transit (its second blob); loading the blob again gets it intact.
    damagePackReads(repo);
    const target = scratch();
    const r = await restore(repo, snap, { target });
    expect(r.errors).toEqual([]);
    expect(r.filesRestored).toBe(1);
    const file = path.join(target, 'f');
    expect(fs.readFileSync(file).equals(Buffer.concat(parts))).toBe(true);
    expect(fs.statSync(file).mode & 0o7777).toBe(0o640);
    expect(fs.statSync(file).mtime.toISOString()).toBe('2023-05-06T07:08:09.000Z');
  });

  it('does not finish the file the job left unfinished once another file has taken its place', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { f: { file: parts } });
    damagePackReads(repo);
    const target = scratch();
    const load = repo.loadBlob.bind(repo);
    repo.loadBlob = async (type, id) => {
      if (type === 'data') {
        fs.renameSync(path.join(target, 'f'), path.join(target, 'moved'));
        fs.writeFileSync(path.join(target, 'f'), 'someone else');
      }
      return load(type, id);
    };
    const r = await restore(repo, snap, { target });
    expect(r.errors.map((e) => [e.item, e.message])).toEqual([['/f', expect.stringMatching(/replaced by another file/)]]);
    expect(fs.readFileSync(path.join(target, 'f'), 'utf8')).toBe('someone else');
    // What the job wrote stays as it was: 0600, not the snapshot's mode, and short.
    expect(fs.statSync(path.join(target, 'moved')).mode & 0o7777).toBe(0o600);
    expect(fs.statSync(path.join(target, 'moved')).size).toBe(parts[0]!.length);
  });

  it('splits a read of many small files into jobs, never between the blobs of one file', async () => {
    const repo = await newRepo();
    const content = (f: number): Buffer[] =>
      f === WHOLE_FILES_PER_JOB - 1 ? [0, 1, 2].map((p) => Buffer.from(`part ${p} of the file that spans the cut\n`)) : [Buffer.from(`file ${f}\n`)];
    const spec = Object.fromEntries(Array.from({ length: WHOLE_FILES_PER_JOB + 40 }, (_, f) => [`f${String(f).padStart(4, '0')}`, { file: content(f) }]));
    const snap = await snapshotFromSpec(repo, spec);
    const target = scratch();
    const r = await restore(repo, snap, { target });
    expect(r.errors).toEqual([]);
    for (const [name, e] of Object.entries(spec)) expect(fs.readFileSync(path.join(target, name)).equals(Buffer.concat(e.file))).toBe(true);
  });

  it('with sparse: leaves a zero blob at the end of a small file as a hole and still gives the file its full length', async () => {
    const repo = await newRepo();
    const content = [Buffer.alloc(30_000, 1), Buffer.alloc(40_000)];
    const snap = await snapshotFromSpec(repo, { f: { file: content } });
    const target = scratch();
    const r = await restore(repo, snap, { target, sparse: true });
    expect(r.errors).toEqual([]);
    const file = path.join(target, 'f');
    expect(fs.readFileSync(file).equals(Buffer.concat(content))).toBe(true);
    expect(fs.statSync(file).blocks * 512).toBeLessThan(70_000);
  });

  it('in a worker thread: creates the file without following a symlink in its place, and sets its mode and times', async () => {
    const workerUrl = new URL('../../dist/restorer/open-worker.js', import.meta.url);
    expect(fs.existsSync(fileURLToPath(workerUrl)), 'run `npm run build` first: the worker runs from dist/').toBe(true);
    const repo = await newRepo();
    const id = (await repo.saveBlob('data', Buffer.from('secret content'))).id;
    await repo.flush();
    const entry = repo.lookup('data', id)!;
    const raw = await repo.readPackRange(entry.packId, entry.offset, entry.length);
    const dir = scratch();
    const outside = scratch();
    fs.writeFileSync(path.join(outside, 'victim'), 'precious');
    fs.symlinkSync(path.join(outside, 'victim'), path.join(dir, 'f'));
    const opener = new WorkerOpener(repo.codec, 1, false, false, workerUrl);
    try {
      const slice = { id, offset: 0, length: entry.length, ...(entry.uncompressedLength !== undefined ? { uncompressedLength: entry.uncompressedLength } : {}) };
      const meta = { uid: 0, gid: 0, mode: 0o640, atime: TIME, mtime: '2022-02-03T04:05:06Z' };
      const out = await opener.openAndWrite(raw, {
        slices: [slice],
        writes: [{ slice: 0, file: 0, position: 0 }],
        files: [{ path: path.join(dir, 'f'), writes: 1, meta }],
      });
      expect(out.files).toEqual([{ done: true }]);
    } finally {
      await opener.close();
    }
    expect(fs.readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('precious');
    const st = fs.lstatSync(path.join(dir, 'f'));
    expect(st.isFile()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.mtime.toISOString()).toBe('2022-02-03T04:05:06.000Z');
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe('secret content');
  });
});

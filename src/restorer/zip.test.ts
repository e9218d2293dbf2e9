import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { nameFromBytes } from '../core/index.js';
import { ZipWriter, type ZipEntry, type ZipWriterOptions } from './index.js';
import { dosDateTime } from './zip.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-zip-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}

/** Writes the entries to a file, returns its path. */
async function writeZip(entries: ZipEntry[], opts?: ZipWriterOptions, file = 'a.zip'): Promise<string> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (c: Buffer) => parts.push(c));
  const zip = new ZipWriter(out, opts);
  for (const e of entries) await zip.add(e);
  await zip.finish();
  expect(zip.bytesWritten).toBe(Buffer.concat(parts).length);
  const p = path.join(tmp, file);
  fs.writeFileSync(p, Buffer.concat(parts));
  return p;
}

/** What Python's zipfile reads back (it checks CRCs and zip64 records as it goes). */
function pyList(file: string): { name: string; mode: string; size: number; method: number; flags: number; date: number[]; body: string }[] {
  const script = `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps([dict(name=i.filename, mode=oct(i.external_attr >> 16), size=i.file_size, method=i.compress_type,
  flags=i.flag_bits, date=list(i.date_time), body=z.read(i).decode('utf-8', 'replace')[:40]) for i in z.infolist()]))`;
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as ReturnType<typeof pyList>;
}

function unzipTest(file: string): string {
  return execFileSync('unzip', ['-tq', file], { encoding: 'utf8' });
}

const when = new Date('2024-05-06T07:08:10Z');

describe('ZipWriter', () => {
  const sample: () => ZipEntry[] = () => [
    { name: 'top', type: 'dir', mode: 0o750, mtime: when },
    { name: 'top/streamed.txt', type: 'file', mode: 0o640, mtime: when, data: chunks('hello ', 'zip '.repeat(1000)) },
    { name: 'top/buffer.bin', type: 'file', mode: 0o600, mtime: when, data: Buffer.from('in hand') },
    { name: 'top/é ü.txt', type: 'file', mode: 0o644, mtime: when, data: chunks('ü') },
    { name: 'top/link', type: 'symlink', mode: 0o777, mtime: when, linkTarget: '../elsewhere' },
    { name: 'top/empty', type: 'file', mode: 0o644, mtime: when, data: chunks() },
    { name: 'top/fifo', type: 'fifo', mode: 0o644, mtime: when },
  ];

  it('writes entries that unzip and Python read back with names, modes, times and content', async () => {
    const file = await writeZip(sample());
    expect(unzipTest(file)).toMatch(/No errors detected/);
    const got = pyList(file);
    expect(got.map((e) => `${e.name} ${e.mode} ${e.size}`)).toEqual([
      'top/ 0o40750 0',
      'top/streamed.txt 0o100640 4006',
      'top/buffer.bin 0o100600 7',
      'top/é ü.txt 0o100644 2',
      'top/link 0o120777 12',
      'top/empty 0o100644 0',
      'top/fifo 0o10644 0',
    ]);
    expect(got[1]).toMatchObject({ method: 8, body: 'hello zip zip zip zip zip zip zip zip zi', date: [2024, 5, 6, 7, 8, 10] });
    expect(got[1]!.flags & 0x8).toBe(0x8); // streamed behind a data descriptor
    expect(got[3]!.flags & 0x800).toBe(0x800); // UTF-8 name
    expect(got[2]!.flags & 0x800).toBe(0);
    expect(got[4]!.body).toBe('../elsewhere');
    // Info-ZIP restores modes and link targets from what we wrote.
    const into = path.join(tmp, 'x');
    execFileSync('unzip', ['-q', file, '-x', 'top/fifo', '-d', into]);
    expect(fs.readlinkSync(path.join(into, 'top/link'))).toBe('../elsewhere');
    expect(fs.statSync(path.join(into, 'top/streamed.txt')).mode & 0o777).toBe(0o640);
    expect(fs.statSync(path.join(into, 'top/streamed.txt')).mtime.toISOString()).toBe('2024-05-06T07:08:10.000Z');
  });

  it('stores instead of deflating at level 0', async () => {
    const got = pyList(await writeZip(sample(), { level: 0 }, 'stored.zip'));
    expect(new Set(got.map((e) => e.method))).toEqual(new Set([0]));
    expect(got[1]!.size).toBe(4006);
  });

  it('writes valid zip64 records for sizes and offsets', async () => {
    const file = await writeZip(sample(), { zip64: 'always' }, 'z64.zip');
    expect(unzipTest(file)).toMatch(/No errors detected/);
    expect(pyList(file).map((e) => e.size)).toEqual([0, 4006, 7, 2, 12, 0, 0]);
    const bytes = fs.readFileSync(file);
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // zip64 end of central directory
  });

  it('announces zip64 in the local header of a file whose expected size is near 4 GiB (8-byte data descriptor)', async () => {
    const file = await writeZip(
      [
        { name: 'big.bin', type: 'file', mode: 0o644, mtime: when, data: chunks('stands in for 4 GiB'), size: 0xff000000 },
        { name: 'small.txt', type: 'file', mode: 0o644, mtime: when, data: chunks('x') },
      ],
      {},
      'hint.zip',
    );
    expect(unzipTest(file)).toMatch(/No errors detected/);
    expect(pyList(file).map((e) => `${e.name} ${e.size} ${e.body}`)).toEqual(['big.bin 19 stands in for 4 GiB', 'small.txt 1 x']);
    const bytes = fs.readFileSync(file);
    expect(bytes.readUInt16LE(4)).toBe(45); // version needed: zip64
    expect(bytes.readUInt16LE(30 + 'big.bin'.length)).toBe(0x0001); // the zip64 extra field comes first
  });

  it('writes a zip64 end record for more than 65535 entries', async () => {
    const many: ZipEntry[] = [];
    for (let i = 0; i < 65540; i++) many.push({ name: `d/${i}`, type: 'file', mode: 0o644, mtime: when });
    const file = await writeZip(many, {}, 'many.zip');
    const count = execFileSync('python3', ['-c', 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).infolist()))', file], { encoding: 'utf8' });
    expect(Number(count)).toBe(65540);
    expect(unzipTest(file)).toMatch(/No errors detected/);
  });

  it('gathers a small file: tiny ones stored, others deflated, sizes in the local header; one longer than announced streams', async () => {
    const text = 'hello zip '.repeat(300);
    const long = 'a longer file than its size said\n'.repeat(3000);
    const random = randomBytes(40_000); // deflate does not pay: stored
    const file = await writeZip(
      [
        { name: 'tiny.txt', type: 'file', mode: 0o644, mtime: when, data: chunks('hi'), size: 2 },
        { name: 'small.txt', type: 'file', mode: 0o644, mtime: when, data: chunks(text.slice(0, 7), text.slice(7)), size: text.length },
        { name: 'long.txt', type: 'file', mode: 0o644, mtime: when, data: chunks(long.slice(0, 70_000), long.slice(70_000)), size: 5 },
        { name: 'random.bin', type: 'file', mode: 0o644, mtime: when, data: (async function* () { yield random; })(), size: random.length },
      ],
      {},
      'small.zip',
    );
    expect(unzipTest(file)).toMatch(/No errors/);
    const got = pyList(file);
    expect(got.map((e) => [e.name, e.method, e.flags & 0x08, e.size])).toEqual([
      ['tiny.txt', 0, 0, 2],
      ['small.txt', 8, 0, text.length],
      ['long.txt', 8, 0x08, long.length],
      ['random.bin', 0, 0, random.length],
    ]);
    expect(got.map((e) => e.body).slice(0, 3)).toEqual(['hi', text.slice(0, 40), long.slice(0, 40)]);
    const unpacked = path.join(tmp, 'small');
    execFileSync('unzip', ['-q', file, '-d', unpacked]);
    expect(fs.readFileSync(path.join(unpacked, 'random.bin')).equals(random)).toBe(true);
  });

  it('keeps a name that is not UTF-8 byte for byte, without the UTF-8 flag', async () => {
    const name = nameFromBytes(Buffer.from([0x6e, 0xff, 0x2e, 0x74]));
    const file = await writeZip([{ name, type: 'file', mode: 0o644, mtime: when, data: chunks('x') }], {}, 'raw.zip');
    const raw = execFileSync('python3', ['-c', 'import sys, zipfile; i = zipfile.ZipFile(sys.argv[1]).infolist()[0]; print(i.flag_bits & 0x800, i.orig_filename.encode("cp437").hex())', file], { encoding: 'utf8' });
    expect(raw.trim()).toBe(`0 ${Buffer.from([0x6e, 0xff, 0x2e, 0x74]).toString('hex')}`);
  });

  it('passes on the error of a failing data source', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial');
      throw new Error('blob unreadable');
    }
    const zip = new ZipWriter(new PassThrough().resume());
    await expect(zip.add({ name: 'f', type: 'file', mode: 0o644, mtime: when, data: failing() })).rejects.toThrow('blob unreadable');
    const small = new ZipWriter(new PassThrough().resume());
    await expect(small.add({ name: 'f', type: 'file', mode: 0o644, mtime: when, data: failing(), size: 100 })).rejects.toThrow('blob unreadable');
  });

  it('stops with an error, not a hang, when the output is closed while it waits (a cancelled download)', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const zip = new ZipWriter(out);
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) yield Buffer.alloc(64 * 1024, 1);
    }
    const adding = zip.add({ name: 'f', type: 'file', mode: 0o644, mtime: when, data: endless() }, );
    setTimeout(() => out.destroy(), 50);
    await expect(adding).rejects.toThrow(/closed before the archive was complete/);
  });

  it('computes DOS times in the zone given and clamps before 1980', () => {
    expect(dosDateTime(new Date('2024-05-06T23:30:00Z'), 3600)).toEqual(dosDateTime(new Date('2024-05-07T00:30:00Z'), 0));
    expect(dosDateTime(new Date('1970-01-01T00:00:00Z'), 0)).toEqual({ dosTime: 0, dosDate: 33 });
  });
});

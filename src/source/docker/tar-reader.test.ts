import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readTar, type TarHeader } from './tar-reader.js';

/** A tar archive of the entries, as tar-stream writes it. */
async function archive(entries: { header: Partial<tar.Header> & { name: string; pax?: Record<string, string> }; data?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry(e.header, e.data ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** One 512-byte header block with its checksum. */
function block(fields: { name: Buffer | string; type: string; size: number; mode?: number }): Buffer {
  const b = Buffer.alloc(512);
  Buffer.from(fields.name).copy(b, 0);
  b.write(`${(fields.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  b.write(`${fields.size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  b.write('14114754000\0', 136, 'latin1');
  b.write(fields.type, 156, 'latin1');
  b.write('ustar\x0000', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  yield* parts;
}

const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

async function read(buf: Buffer): Promise<{ header: TarHeader; data: string }[]> {
  const out: { header: TarHeader; data: string }[] = [];
  for await (const e of readTar(chunks(buf.subarray(0, 700), buf.subarray(700)), 'the test archive')) {
    const parts: Buffer[] = [];
    for await (const p of e.body) parts.push(p);
    out.push({ header: e.header, data: Buffer.concat(parts).toString('latin1') });
  }
  return out;
}

describe('readTar', () => {
  it('reads ustar entries, their data and times, and PAX times to the nanosecond', async () => {
    const buf = await archive([
      { header: { name: 'v/', type: 'directory', mode: 0o755, mtime: new Date(1_700_000_000_000) } },
      { header: { name: 'v/a.txt', mode: 0o600, uid: 33, gid: 34, mtime: new Date(1_700_000_001_000), pax: { mtime: '1700000001.123456789' } }, data: 'hello' },
      { header: { name: 'v/l', type: 'symlink', linkname: 'a.txt' } },
    ]);
    const got = await read(buf);
    expect(got.map((e) => [e.header.path, e.header.type, e.header.linkpath, e.data])).toEqual([
      ['v/', '5', '', ''],
      ['v/a.txt', '0', '', 'hello'],
      ['v/l', '2', 'a.txt', ''],
    ]);
    expect(got[1]!.header).toMatchObject({ mode: 0o600, uid: 33, gid: 34, size: 5, mtimeNs: 1_700_000_001_123_456_789n });
    expect(got[0]!.header.mtimeNs).toBe(1_700_000_000_000_000_000n);
  });

  it('keeps a PAX path and link target that are not UTF-8 byte-exact (as Docker writes them)', async () => {
    const raw = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9])]);
    const record = (key: string, value: Buffer): Buffer => {
      const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
      let len = body.length + 1;
      if (String(len).length + body.length !== len) len = String(len + 1).length + body.length;
      return Buffer.concat([Buffer.from(String(len)), body]);
    };
    const pax = Buffer.concat([record('path', Buffer.concat([Buffer.from('v/'), raw])), record('linkpath', raw)]);
    const buf = Buffer.concat([
      block({ name: 'v/PaxHeaders.0/caf', type: 'x', size: pax.length }),
      pad(pax),
      block({ name: 'v/caf', type: '2', size: 0 }),
      Buffer.alloc(1024),
    ]);
    const [entry, ...rest] = await read(buf);
    expect(rest).toEqual([]);
    expect(entry!.header.path).toBe('v/caf\udce9');
    expect(entry!.header.linkpath).toBe('caf\udce9');
  });

  it('reads GNU long names, and skips data that is not read', async () => {
    const long = `v/${'x'.repeat(150)}`;
    const buf = Buffer.concat([
      block({ name: '././@LongLink', type: 'L', size: long.length + 1 }),
      pad(Buffer.from(`${long}\0`)),
      block({ name: long.slice(0, 99), type: '0', size: 600 }),
      pad(Buffer.alloc(600, 0x61)),
      block({ name: 'v/next', type: '0', size: 1 }),
      pad(Buffer.from('n')),
      Buffer.alloc(1024),
    ]);
    const names: string[] = [];
    for await (const e of readTar(chunks(buf), 'the test archive')) names.push(e.header.path);
    expect(names).toEqual([long, 'v/next']);
  });

  it('a damaged header or an archive that ends early is one sentence', async () => {
    const good = await archive([{ header: { name: 'v/a' }, data: 'x'.repeat(600) }]);
    const damaged = Buffer.from(good);
    damaged[10] = 0x41;
    await expect(read(damaged)).rejects.toThrow('The archive of the test archive has a damaged header (its checksum does not match).');
    await expect(read(good.subarray(0, 800))).rejects.toThrow('The archive of the test archive ends in the middle of an entry.');
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Excluder, parsePatternLines, parseSize } from './exclude.js';
import { parseIdFile } from '../id-names.js';
import { compareNames } from '../../core/index.js';
import { parseGetfattr } from './xattr.js';

describe('exclude options', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-excl-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exclude files skip comments and blank lines', async () => {
    const f = path.join(dir, 'excludes.txt');
    fs.writeFileSync(f, '# comment\n\n  *.log  \n/tmp/x\n');
    expect(parsePatternLines(fs.readFileSync(f, 'utf8'))).toEqual(['*.log', '/tmp/x']);
    const ex = await Excluder.create({ excludeFiles: [f] });
    expect(ex.excludedByName('/var/a.log')).toBe(true);
    expect(ex.excludedByName('/var/a.txt')).toBe(false);
  });

  it('iexclude files are case-insensitive', async () => {
    const f = path.join(dir, 'iexcludes.txt');
    fs.writeFileSync(f, '*.LOG\n');
    const ex = await Excluder.create({ iexcludeFiles: [f] });
    expect(ex.excludedByName('/var/a.log')).toBe(true);
  });

  it('a missing exclude file is an invalid argument', async () => {
    await expect(Excluder.create({ excludeFiles: [path.join(dir, 'nope')] })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
  });

  it('a malformed exclude pattern is an invalid argument before the backup starts', async () => {
    await expect(Excluder.create({ exclude: ['/tmp/[x'] })).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('exclude-larger-than applies to files only', async () => {
    const ex = await Excluder.create({ excludeLargerThan: 100 });
    expect(ex.excludedBySize(false, 101)).toBe(true);
    expect(ex.excludedBySize(false, 100)).toBe(false);
    expect(ex.excludedBySize(true, 10_000)).toBe(false);
  });

  it('exclude-if-present keeps only the tag file, and checks the header when given', async () => {
    const tagged = path.join(dir, 'tagged');
    fs.mkdirSync(tagged);
    fs.writeFileSync(path.join(tagged, '.nobackup'), 'HEADER rest');
    const names = ['.nobackup', 'data'];
    expect(await (await Excluder.create({ excludeIfPresent: ['.nobackup'] })).keepOnlyTag(tagged, names)).toEqual([
      '.nobackup',
    ]);
    expect(await (await Excluder.create({ excludeIfPresent: ['.nobackup:HEADER'] })).keepOnlyTag(tagged, names)).toEqual([
      '.nobackup',
    ]);
    expect(await (await Excluder.create({ excludeIfPresent: ['.nobackup:OTHER'] })).keepOnlyTag(tagged, names)).toBe(
      undefined,
    );
  });

  it('exclude-caches needs the CACHEDIR.TAG signature', async () => {
    const good = path.join(dir, 'cache-good');
    const bad = path.join(dir, 'cache-bad');
    fs.mkdirSync(good);
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(good, 'CACHEDIR.TAG'), 'Signature: 8a477f597d28d172789f06886806bc55\n# x');
    fs.writeFileSync(path.join(bad, 'CACHEDIR.TAG'), 'nothing');
    const ex = await Excluder.create({ excludeCaches: true });
    expect(await ex.keepOnlyTag(good, ['CACHEDIR.TAG', 'x'])).toEqual(['CACHEDIR.TAG']);
    expect(await ex.keepOnlyTag(bad, ['CACHEDIR.TAG', 'x'])).toBe(undefined);
  });

  it('parses sizes with K/M/G/T suffixes', () => {
    expect(parseSize('100')).toBe(100);
    expect(parseSize('1K')).toBe(1024);
    expect(parseSize('2M')).toBe(2 * 1024 ** 2);
    expect(parseSize('3g')).toBe(3 * 1024 ** 3);
    expect(() => parseSize('lots')).toThrow(/not a size/);
  });
});

describe('metadata helpers', () => {
  it('parses passwd/group files, first entry wins', () => {
    const m = parseIdFile('root:x:0:0:root:/root:/bin/sh\n#c\nalice:x:1000:1000::/h:/bin/sh\ndup:x:0:0::/:/\n', 2);
    expect(m.get(0)).toBe('root');
    expect(m.get(1000)).toBe('alice');
  });

  it('orders names by UTF-8 bytes, not UTF-16 units', () => {
    const names = ['\u{1F600}', '\uFF21', 'b', 'a'];
    names.sort(compareNames);
    expect(names).toEqual(['a', 'b', '\uFF21', '\u{1F600}']);
  });

  it('parses getfattr output with base64, hex and text values and escaped names', () => {
    const out = parseGetfattr(
      '# file: /tmp/a\\012b\nuser.x=0sYmFy\nuser.y=0x0102\nuser.z="t"\n\n# file: /tmp/none\n\n',
    );
    expect([...out.keys()]).toEqual(['/tmp/a\nb']);
    const attrs = out.get('/tmp/a\nb')!;
    expect(attrs.map((a) => [a.name, a.value.toString('hex')])).toEqual([
      ['user.x', Buffer.from('bar').toString('hex')],
      ['user.y', '0102'],
      ['user.z', Buffer.from('t').toString('hex')],
    ]);
  });
});

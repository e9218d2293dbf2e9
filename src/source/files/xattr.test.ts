import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { XattrMap } from '../source.js';
import { GetfattrParser, findGetfattr, parseGetfattr, readXattrsRecursive } from './xattr.js';

/** getfattr -d -e base64 output for three files, one with an escaped name and non-ASCII bytes, one without attributes. */
const OUTPUT = Buffer.concat([
  Buffer.from('# file: /tmp/a\\012b\nuser.x=0sYmFy\nuser.a=0x0102\n\n# file: /tmp/none\n\n'),
  Buffer.from('# file: /tmp/'),
  Buffer.from('caf\u00e9', 'utf8'),
  Buffer.from('\nuser.z="t"\nsecurity.selinux=0sc3lzdGVtX3U6b2JqZWN0X3I6dG1wX3Q6czAA\n\n'),
]).toString('latin1');

function simple(m: XattrMap): [string, [string, string][]][] {
  return [...m].map(([f, attrs]) => [
    f,
    attrs.map((a) => [a.name, a.value.toString('hex')] as [string, string]),
  ]);
}

function parseInPieces(text: string, cuts: number[]): XattrMap {
  const parser = new GetfattrParser();
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    parser.push(text.slice(at, cut));
    at = cut;
  }
  return parser.end();
}

describe('getfattr output parser', () => {
  it('keeps files with attributes, sorted by name, with UTF-8 and escaped names', () => {
    expect(simple(parseGetfattr(OUTPUT))).toEqual([
      [
        '/tmp/a\nb',
        [
          ['user.a', '0102'],
          ['user.x', Buffer.from('bar').toString('hex')],
        ],
      ],
      [
        '/tmp/café',
        [
          ['security.selinux', Buffer.from('system_u:object_r:tmp_t:s0\0').toString('hex')],
          ['user.z', Buffer.from('t').toString('hex')],
        ],
      ],
    ]);
  });

  it('keeps the bytes of a file name that is not UTF-8 as lone surrogates, as entry paths hold them', () => {
    const text = Buffer.concat([Buffer.from('# file: /tmp/caf'), Buffer.from([0xe9]), Buffer.from('\nuser.n=0sdjE=\n\n')]);
    expect([...parseGetfattr(text.toString('latin1')).keys()]).toEqual(['/tmp/caf\udce9']);
  });

  it('gives the same result however the output is split into pieces', () => {
    const whole = simple(parseGetfattr(OUTPUT));
    for (let cut = 0; cut <= OUTPUT.length; cut++)
      expect(simple(parseInPieces(OUTPUT, [cut]))).toEqual(whole);
    for (let size = 1; size <= 7; size++) {
      const cuts = Array.from({ length: Math.floor(OUTPUT.length / size) }, (_, i) => (i + 1) * size);
      expect(simple(parseInPieces(OUTPUT, cuts))).toEqual(whole);
    }
    // Output without a final newline.
    expect(simple(parseInPieces('# file: /x\nuser.k=0sYQ==', [3, 12]))).toEqual([['/x', [['user.k', '61']]]]);
  });
});

describe.skipIf(!findGetfattr() || !fs.existsSync('/usr/bin/setfattr'))(
  'reading attributes with getfattr',
  () => {
    let dir: string;
    const savedPath = process.env['PATH'];
    afterEach(() => {
      process.env['PATH'] = savedPath;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('reads the attributes below a root and warns about an item it cannot read', async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-xattr-'));
      const file = path.join(dir, 'f');
      fs.writeFileSync(file, 'x');
      execFileSync('setfattr', ['-n', 'user.k', '-v', 'v', file]);
      const warnings: [string, string | undefined][] = [];
      const gone = path.join(dir, 'van: ished é');
      const map = await readXattrsRecursive([dir, gone], undefined, (m, item) => warnings.push([m, item]));
      expect(simple(map)).toEqual([[file, [['user.k', Buffer.from('v').toString('hex')]]]]);
      expect(warnings).toEqual([
        [`extended attributes not backed up: ${gone}: No such file or directory`, gone],
      ]);
    });

    it('warns when getfattr is not on PATH', async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-xattr-'));
      process.env['PATH'] = dir;
      const warnings: string[] = [];
      const map = await readXattrsRecursive([dir], undefined, (m) => warnings.push(m));
      expect(map.size).toBe(0);
      expect(warnings).toEqual([
        'getfattr is not installed (package "attr"), so no extended attributes are backed up.',
      ]);
    });
  },
);

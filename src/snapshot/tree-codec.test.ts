import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashId, isCairnError } from '../core/index.js';
import type { TreeNode } from '../core/index.js';
import { loadFacts } from './test-support.js';
import { decodeTree, encodeTree, sortNodes } from './tree-codec.js';

const facts = loadFacts();
const trees = Object.entries(facts.trees);

function fileNode(name: string, extra: Partial<TreeNode> = {}): TreeNode {
  const t = '2024-01-01T00:00:00Z';
  return {
    name,
    type: 'file',
    mode: 420,
    mtime: t,
    atime: t,
    ctime: t,
    uid: 0,
    gid: 0,
    content: [],
    ...extra,
  };
}

function expectCorrupt(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isCairnError(caught, 'corrupt')).toBe(true);
}

describe('tree blobs of restic 0.14', () => {
  it.each(trees)('re-encodes tree %s to the same bytes', (_id, text) => {
    expect(encodeTree(decodeTree(Buffer.from(text, 'utf8'))).toString('utf8')).toBe(text);
  });

  it.each(trees)('tree %s hashes to its id', (id, text) => {
    expect(hashId(encodeTree(decodeTree(Buffer.from(text, 'utf8'))))).toBe(id);
  });

  it('decodes the quoted and HTML-escaped fixture names to the real file names', () => {
    const root = decodeTree(
      Buffer.from(facts.trees['5304266c1ffb259d2bc6cab2f7ad5e2ba549e06ac872fd75445ed5dd9e18a926']!),
    );
    const names = root.nodes.map((n) => n.name);
    expect(names).toContain('quote"and\\backslash.txt');
    expect(names).toContain('html<&>.txt');
    expect(names).toContain('unicodé-ñame.txt');
  });

  it('keeps content [] for an empty file and null for a directory', () => {
    const root = decodeTree(
      Buffer.from(facts.trees['5304266c1ffb259d2bc6cab2f7ad5e2ba549e06ac872fd75445ed5dd9e18a926']!),
    );
    expect(root.nodes.find((n) => n.name === 'empty.txt')?.content).toEqual([]);
    expect(root.nodes.find((n) => n.name === 'emptydir')?.content).toBeNull();
  });
});

describe('encodeTree', () => {
  it('writes the empty directory as {"nodes":[]} and a newline', () => {
    expect(encodeTree({ nodes: [] }).toString()).toBe('{"nodes":[]}\n');
  });

  it('omits zero and empty fields but always writes uid, gid, times and content', () => {
    const t = '2024-01-01T00:00:00Z';
    const node: TreeNode = {
      name: 'x',
      type: 'fifo',
      mtime: t,
      atime: t,
      ctime: t,
      uid: 0,
      gid: 0,
      content: null,
    };
    expect(encodeTree({ nodes: [node] }).toString()).toBe(
      `{"nodes":[{"name":"x","type":"fifo","mtime":"${t}","atime":"${t}","ctime":"${t}","uid":0,"gid":0,"content":null}]}\n`,
    );
  });

  it('writes every field in restic struct order, xattr values in base64', () => {
    const node = fileNode('f', {
      user: 'u',
      group: 'g',
      inode: 1n,
      device_id: 2n,
      size: 3,
      links: 4,
      linktarget: 'l',
      extended_attributes: [{ name: 'user.a', value: Buffer.from('hi') }],
      device: 5n,
      content: ['ab'],
      subtree: 'cd',
      error: 'e',
    });
    const json = encodeTree({ nodes: [node] }).toString();
    const keys = [...json.matchAll(/"([a-z_]+)":/g)].map((m) => m[1]);
    expect(keys).toEqual([
      'nodes',
      'name',
      'type',
      'mode',
      'mtime',
      'atime',
      'ctime',
      'uid',
      'gid',
      'user',
      'group',
      'inode',
      'device_id',
      'size',
      'links',
      'linktarget',
      'extended_attributes',
      'name',
      'value',
      'device',
      'content',
      'subtree',
      'error',
    ]);
    expect(json).toContain('"extended_attributes":[{"name":"user.a","value":"aGk="}]');
  });

  it('round-trips arbitrary nodes through decodeTree', () => {
    const node = fc.record({
      name: fc.string({ unit: 'binary', minLength: 1 }),
      mode: fc.nat(),
      uid: fc.nat(),
      size: fc.nat(),
      linktarget: fc.string({ unit: 'binary' }),
      xattr: fc.uint8Array({ maxLength: 8 }),
    });
    fc.assert(
      fc.property(node, (n) => {
        const tree = {
          nodes: [
            fileNode(n.name, {
              mode: n.mode,
              uid: n.uid,
              size: n.size,
              linktarget: n.linktarget,
              extended_attributes: [{ name: 'user.x', value: Buffer.from(n.xattr) }],
            }),
          ],
        };
        const bytes = encodeTree(tree);
        expect(encodeTree(decodeTree(bytes)).equals(bytes)).toBe(true);
        expect(decodeTree(bytes).nodes[0]!.name).toBe(n.name);
      }),
      { numRuns: 300 },
    );
  });
});

describe('uint64 fields beyond 2^53', () => {
  /** A file node as restic writes it, with these digits spliced in verbatim. */
  const text = (fields: string): string =>
    '{"nodes":[{"name":"a","type":"file","mode":420,"mtime":"2024-01-01T00:00:00Z","atime":"2024-01-01T00:00:00Z",' +
    `"ctime":"2024-01-01T00:00:00Z","uid":0,"gid":0,${fields},"content":[]}]}\n`;

  it('decodes inode, device_id and device exactly and writes the same digits back', () => {
    const raw = text('"inode":4611686018427387905,"device_id":18446744073709551615,"size":4,"links":2,"device":9007199254740993');
    const node = decodeTree(Buffer.from(raw)).nodes[0]!;
    expect(node.inode).toBe(4611686018427387905n);
    expect(node.device_id).toBe(18446744073709551615n);
    expect(node.device).toBe(9007199254740993n);
    expect(encodeTree({ nodes: [node] }).toString()).toBe(raw);
  });

  it('keeps two inodes apart that are one double', () => {
    const a = decodeTree(Buffer.from(text('"inode":4611686018427387905'))).nodes[0]!;
    const b = decodeTree(Buffer.from(text('"inode":4611686018427387906'))).nodes[0]!;
    expect(a.inode).not.toBe(b.inode);
  });

  it('writes a bigint inode as its decimal digits', () => {
    const json = encodeTree({ nodes: [fileNode('a', { inode: 4611686018427387905n })] }).toString();
    expect(json).toContain('"inode":4611686018427387905,');
  });

  it('round-trips any uint64, next to names that read like long numbers', () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const name = fc.constantFrom('a', 'x","inode":4611686018427387905,"', 'inode":12345678901234567890}', '\\"size":9007199254740993,');
    fc.assert(
      fc.property(name, u64, u64, u64, fc.maxSafeNat(), (n, inode, dev, rdev, size) => {
        const bytes = encodeTree({ nodes: [fileNode(n, { inode, device_id: dev, device: rdev, size })] });
        const node = decodeTree(bytes).nodes[0]!;
        expect(node.name).toBe(n);
        expect(node.inode ?? 0n).toBe(inode);
        expect(encodeTree({ nodes: [node] }).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    '"uid":4611686018427387905',
    '"inode":1e20',
    '"inode":18446744073709551616',
    '"inode":-4611686018427387905',
    '"inode":4611686018427387905.5',
    '"inode":1.5',
    '"size":9007199254740993',
    '"links":18446744073709551615',
  ])('rejects %s as corrupt', (fields) => expectCorrupt(() => decodeTree(Buffer.from(text(fields)))));
});

describe('decodeTree', () => {
  it('ignores fields of newer restic versions', () => {
    const text =
      '{"nodes":[{"name":"a","type":"file","mtime":"2024-01-01T00:00:00Z","atime":"2024-01-01T00:00:00Z",' +
      '"ctime":"2024-01-01T00:00:00Z","uid":0,"gid":0,"generic_attributes":{"windows.x":"eA=="},"content":[]}]}\n';
    const tree = decodeTree(Buffer.from(text));
    expect(tree.nodes[0]).not.toHaveProperty('generic_attributes');
    expect(encodeTree(tree).toString()).toBe(text.replace(',"generic_attributes":{"windows.x":"eA=="}', ''));
  });

  it('writes a link target that is not UTF-8 as restic 0.16 does: U+FFFD in linktarget, the bytes in linktarget_raw', () => {
    const node = { ...fileNode('l'), type: 'symlink' as const, content: null, linktarget: 'tgt\udcfe/a' };
    const json = encodeTree({ nodes: [node] }).toString();
    // Bytes as restic 0.17 writes them for the target "tgt\xfe/a"; restic 0.14 reads linktarget and ignores the rest.
    expect(json).toContain(',"linktarget":"tgt\\ufffd/a","linktarget_raw":"dGd0/i9h","content":null');
    expect(decodeTree(Buffer.from(json)).nodes[0]!.linktarget).toBe('tgt\udcfe/a');
    expect(encodeTree({ nodes: [{ ...node, linktarget: 'tgt\ufffd/a' }] }).toString()).not.toContain('linktarget_raw');
  });

  it('takes the link target bytes from linktarget_raw when present', () => {
    const text =
      '{"nodes":[{"name":"l","type":"symlink","mtime":"2024-01-01T00:00:00Z","atime":"2024-01-01T00:00:00Z",' +
      '"ctime":"2024-01-01T00:00:00Z","uid":0,"gid":0,"linktarget":"a\\ufffd","linktarget_raw":"Yf8=","content":null}]}';
    const node = decodeTree(Buffer.from(text)).nodes[0]!;
    expect(node.linktarget).toBe('a\udcff');
  });

  it.each([
    'not json',
    '[]',
    '{"nodes":{}}',
    '{"nodes":[{"type":"file"}]}',
    '{"nodes":[{"name":"a","type":"bogus"}]}',
  ])('rejects %j as corrupt', (text) => expectCorrupt(() => decodeTree(Buffer.from(text))));

  it('rejects a name that is not a valid Go-quoted string', () => {
    expectCorrupt(() => decodeTree(Buffer.from('{"nodes":[{"name":"a\\\\q","type":"file"}]}')));
  });
});

describe('sortNodes', () => {
  it('sorts by UTF-8 bytes, not UTF-16 code units', () => {
    const sorted = sortNodes([fileNode('\u{1f600}'), fileNode('\uff01'), fileNode('b'), fileNode('B')]);
    expect(sorted.map((n) => n.name)).toEqual(['B', 'b', '\uff01', '\u{1f600}']);
  });

  it('rejects two nodes with the same name', () => {
    expect(() => sortNodes([fileNode('a'), fileNode('a')])).toThrow(/two nodes/);
  });
});

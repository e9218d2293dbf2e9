import { CairnError, compareNames, hasRawBytes, nameFromBytes, nameToBytes } from '../core/index.js';
import type { ExtendedAttribute, NodeType, Tree, TreeNode } from '../core/index.js';
import { goJsonName, goJsonString } from './go-json.js';
import { goUnquote } from './go-quote.js';

/** Go's zero `time.Time` as JSON: what restic reads for a missing time. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

const NODE_TYPES = new Set<string>([
  'file',
  'dir',
  'symlink',
  'dev',
  'chardev',
  'fifo',
  'socket',
  'irregular',
]);

function uint(key: string, value: number | bigint | undefined): string {
  return value ? `,"${key}":${value}` : '';
}

function text(key: string, value: string | undefined): string {
  return value ? `,"${key}":${goJsonString(value)}` : '';
}

/**
 * A link target that is not valid UTF-8 as restic ≥ 0.16 writes it: "linktarget" holds U+FFFD for each bad byte
 * (what restic 0.14 reads and restores), "linktarget_raw" the exact bytes in base64 (restic 0.14 ignores it).
 */
function linkTarget(target: string | undefined): string {
  if (target === undefined || !hasRawBytes(target)) return text('linktarget', target);
  return `${text('linktarget', target)},"linktarget_raw":"${nameToBytes(target).toString('base64')}"`;
}

function encodeXattrs(attrs: ExtendedAttribute[] | undefined): string {
  if (!attrs || attrs.length === 0) return '';
  const items = attrs.map((a) => `{"name":${goJsonString(a.name)},"value":"${a.value.toString('base64')}"}`);
  return `,"extended_attributes":[${items.join(',')}]`;
}

/**
 * One node in restic 0.14's field order with its omitempty rules (section 8.1 of the format notes), plus restic
 * 0.16's "linktarget_raw" for a link target that is not UTF-8.
 */
function encodeNode(n: TreeNode): string {
  let s = `{"name":${goJsonName(n.name)},"type":${goJsonString(n.type)}${uint('mode', n.mode)}`;
  s += `,"mtime":${goJsonString(n.mtime)},"atime":${goJsonString(n.atime)},"ctime":${goJsonString(n.ctime)}`;
  s += `,"uid":${n.uid},"gid":${n.gid}${text('user', n.user)}${text('group', n.group)}`;
  s +=
    uint('inode', n.inode) + uint('device_id', n.device_id) + uint('size', n.size) + uint('links', n.links);
  s += linkTarget(n.linktarget) + encodeXattrs(n.extended_attributes) + uint('device', n.device);
  s += n.content === null ? ',"content":null' : `,"content":[${n.content.map((id) => `"${id}"`).join(',')}]`;
  if (n.subtree !== undefined) s += `,"subtree":"${n.subtree}"`;
  return s + text('error', n.error) + '}';
}

/**
 * The tree blob restic 0.14 would write for these nodes, byte for byte, including the trailing "\n". Nodes are
 * written in the given order; restic requires them sorted by name (see `sortNodes`). Tree id = hashId(result).
 */
export function encodeTree(tree: Tree): Buffer {
  // One Buffer per node: joining 100k node strings into one rope first is several times slower.
  const parts: Buffer[] = [Buffer.from('{"nodes":[')];
  tree.nodes.forEach((n, i) => parts.push(Buffer.from((i === 0 ? '' : ',') + encodeNode(n), 'utf8')));
  parts.push(Buffer.from(']}\n'));
  return Buffer.concat(parts);
}

/** Sorts nodes by name bytes, as restic stores them; throws 'invalid-argument' on a repeated name. */
export function sortNodes(nodes: readonly TreeNode[]): TreeNode[] {
  const sorted = [...nodes].sort((a, b) => compareNames(a.name, b.name));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name) {
      throw new CairnError(
        'invalid-argument',
        `A tree has two nodes named ${JSON.stringify(sorted[i]!.name)}.`,
      );
    }
  }
  return sorted;
}

type Json = Record<string, unknown>;

function corrupt(what: string): CairnError {
  return new CairnError('corrupt', `Tree blob is malformed: ${what}.`);
}

/** Thrown when JSON.parse rounded a number beyond 2^53: decodeTree then parses the text again, exactly. */
class RoundedNumber extends Error {}

/** A string of digits that decodeTree's exact pass made of a long number. */
function longDigits(v: unknown): bigint | undefined {
  return typeof v === 'string' && /^\d{16,}$/.test(v) ? BigInt(v) : undefined;
}

function checkNotRounded(key: string, v: unknown): void {
  if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) && v > 0) {
    throw new RoundedNumber(`"${key}" is too large or not written as plain digits`);
  }
}

/** A uint32 or a size/count: a JSON number Cairn holds exactly as a double. */
function optNumber(o: Json, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  checkNotRounded(key, v);
  const long = longDigits(v);
  if (long !== undefined) {
    if (long <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(long);
    throw new CairnError('corrupt', `Tree blob has a "${key}" of ${long}, beyond the 2^53-1 that Cairn supports.`);
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw corrupt(`"${key}" is not an unsigned integer`);
  return v;
}

const MAX_UINT64 = (1n << 64n) - 1n;

/** A restic uint64 (inode, device ids), exact at any size. */
function optUint64(o: Json, key: string): bigint | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  checkNotRounded(key, v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  const long = longDigits(v);
  if (long !== undefined && long <= MAX_UINT64) return long;
  throw corrupt(`"${key}" is not an unsigned 64-bit integer`);
}

function optString(o: Json, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw corrupt(`"${key}" is not a string`);
  return v;
}

function decodeXattrs(v: unknown): ExtendedAttribute[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw corrupt('"extended_attributes" is not an array');
  return v.map((a: unknown) => {
    const o = a as Json;
    if (typeof o !== 'object' || o === null || typeof o.name !== 'string')
      throw corrupt('bad extended attribute');
    if (o.value !== null && o.value !== undefined && typeof o.value !== 'string')
      throw corrupt('bad xattr value');
    return { name: o.name, value: Buffer.from(typeof o.value === 'string' ? o.value : '', 'base64') };
  });
}

function decodeContent(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || !v.every((id) => typeof id === 'string'))
    throw corrupt('"content" is not a list of ids');
  return v;
}

const STRING_KEYS = ['user', 'group', 'linktarget', 'subtree', 'error'] as const;
const NUMBER_KEYS = ['size', 'links'] as const;
const UINT64_KEYS = ['inode', 'device_id', 'device'] as const;

/** Copies the optional fields that are present (exactOptionalPropertyTypes: absent stays absent). */
function setOptional(node: TreeNode, o: Json): void {
  const mode = optNumber(o, 'mode');
  if (mode !== undefined) node.mode = mode;
  for (const key of STRING_KEYS) {
    const v = optString(o, key);
    if (v !== undefined) node[key] = v;
  }
  for (const key of NUMBER_KEYS) {
    const v = optNumber(o, key);
    if (v !== undefined) node[key] = v;
  }
  for (const key of UINT64_KEYS) {
    const v = optUint64(o, key);
    if (v !== undefined) node[key] = v;
  }
  // restic ≥ 0.17 keeps the exact bytes of a non-UTF-8 link target here; "linktarget" then holds U+FFFDs.
  const raw = optString(o, 'linktarget_raw');
  if (raw !== undefined) node.linktarget = nameFromBytes(Buffer.from(raw, 'base64'));
  const xattrs = decodeXattrs(o.extended_attributes);
  if (xattrs !== undefined) node.extended_attributes = xattrs;
}

function decodeNode(v: unknown): TreeNode {
  if (typeof v !== 'object' || v === null) throw corrupt('a node is not an object');
  const o = v as Json;
  const name = optString(o, 'name');
  const type = optString(o, 'type');
  if (name === undefined) throw corrupt('a node has no name');
  if (type === undefined || !NODE_TYPES.has(type))
    throw corrupt(`node type ${JSON.stringify(type)} is unknown`);
  const node: TreeNode = {
    name: goUnquote(name),
    type: type as NodeType,
    mtime: optString(o, 'mtime') ?? ZERO_TIME,
    atime: optString(o, 'atime') ?? ZERO_TIME,
    ctime: optString(o, 'ctime') ?? ZERO_TIME,
    uid: optNumber(o, 'uid') ?? 0,
    gid: optNumber(o, 'gid') ?? 0,
    content: decodeContent(o.content),
  };
  setOptional(node, o);
  return node;
}

/**
 * A uint64 field whose value may be beyond 2^53 (16 digits or more). A `"` right after a key name's letters is always
 * a real closing quote, so this never matches inside a name or other string.
 */
const LONG_UINT = /"(inode|device_id|size|links|device)":(\d{16,})(?=[,}])/g;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CairnError('corrupt', 'Tree blob is not valid JSON.', { cause: err });
  }
}

function decodeDoc(doc: unknown): Tree {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw corrupt('not an object');
  const nodes = (doc as Json).nodes;
  if (nodes === null || nodes === undefined) return { nodes: [] };
  if (!Array.isArray(nodes)) throw corrupt('"nodes" is not an array');
  return { nodes: nodes.map(decodeNode) };
}

/**
 * Parses a tree blob (restic 0.14 or newer): unquotes names (Go `strconv.Unquote`), decodes xattr values, ignores
 * fields it does not know (`generic_attributes`…). Throws CairnError 'corrupt' if it is not a tree.
 * Numbers beyond 2^53 (inodes on overlayfs, NFS, FUSE) are read exactly: when plain JSON.parse rounded one, the text
 * is parsed again with the long uint64 values turned into digit strings first (a JSON.parse reviver with
 * `context.source` would do the same but makes every tree several times slower to parse).
 */
export function decodeTree(bytes: Uint8Array): Tree {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return decodeDoc(parseJson(text));
  } catch (err) {
    if (!(err instanceof RoundedNumber)) throw err;
  }
  try {
    return decodeDoc(parseJson(text.replace(LONG_UINT, '"$1":"$2"')));
  } catch (err) {
    if (err instanceof RoundedNumber) throw corrupt(err.message);
    throw err;
  }
}

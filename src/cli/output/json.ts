/** restic-compatible JSON shapes of snapshots, nodes and keys. */
import type { Snapshot, StoredSnapshot, TreeNode } from '../../core/index.js';
import { maskCredentials } from '../../util/index.js';
import { goModeString } from './format.js';

/** restic's field order for a snapshot document; empty optional fields are left out as restic does. */
const SNAPSHOT_FIELDS = [
  'time',
  'parent',
  'tree',
  'paths',
  'hostname',
  'username',
  'uid',
  'gid',
  'excludes',
  'tags',
  'original',
  'program_version',
  'summary',
] as const;

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === 0 || (Array.isArray(v) && v.length === 0);
}

/** The snapshot document as restic encodes it (no id: that is the file's name). */
export function snapshotDocJSON(s: Snapshot): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of SNAPSHOT_FIELDS) {
    const v = s[f];
    // restic keeps required fields (time, tree, paths) even when empty.
    if (f === 'time' || f === 'tree' || f === 'paths' || !isEmpty(v)) out[f] = v;
  }
  return out;
}

/** `snapshots --json`: the document plus `id` and `short_id`. */
export function snapshotJSON(s: StoredSnapshot): Record<string, unknown> {
  const out = snapshotDocJSON(s);
  out.id = s.id;
  out.short_id = s.id.slice(0, 8);
  return out;
}

/** The first line of `ls --json` (restic 0.17). */
export function lsSnapshotJSON(s: StoredSnapshot): Record<string, unknown> {
  return { ...snapshotJSON(s), message_type: 'snapshot', struct_type: 'snapshot' };
}

/** One node line of `ls --json` (restic 0.17): size only for files, zero values left out. */
export function lsNodeJSON(path: string, node: TreeNode): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: node.name,
    type: node.type,
    path,
    uid: node.uid,
    gid: node.gid,
  };
  if (node.type === 'file') out.size = node.size ?? 0;
  if (node.mode !== undefined && node.mode !== 0) {
    out.mode = node.mode;
    out.permissions = goModeString(node.mode);
  }
  out.mtime = node.mtime;
  out.atime = node.atime;
  out.ctime = node.ctime;
  if (node.inode !== undefined && node.inode !== 0n) out.inode = node.inode;
  out.message_type = 'node';
  out.struct_type = 'node';
  return out;
}

/**
 * One match of `find --json` as restic 0.14 writes it: `path` and `permissions`, then the node's own fields in
 * restic's order, zero values left out (uid and gid always kept); no name, content or subtree. `inode` is Cairn's
 * one extra (restic 0.14 hides it), where restic's node has it: exact inode numbers tell hard links apart.
 */
export function findNodeJSON(path: string, node: TreeNode): Record<string, unknown> {
  const out: Record<string, unknown> = { path };
  if (node.mode !== undefined && node.mode !== 0) out.permissions = goModeString(node.mode);
  out.type = node.type;
  const optional = (key: keyof TreeNode): void => {
    if (!isEmpty(node[key]) && node[key] !== 0n) out[key] = node[key];
  };
  optional('mode');
  for (const key of ['mtime', 'atime', 'ctime'] as const) optional(key);
  out.uid = node.uid;
  out.gid = node.gid;
  for (const key of ['user', 'group', 'inode', 'device_id', 'size', 'links', 'linktarget'] as const)
    optional(key);
  return out;
}

/** JSON.rawJSON (Node ≥ 21, not yet in TypeScript's lib): JSON.stringify writes the text as it is. */
const rawJSON = (JSON as unknown as { rawJSON: (this: void, text: string) => unknown }).rawJSON;

/** A bigint (inode, device id) as its exact digits, as Go writes a uint64; no string shows a URL's password. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return maskCredentials(value);
  return typeof value === 'bigint' ? rawJSON(value.toString()) : value;
}

/** JSON for one line of output. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value, jsonValue)}\n`;
}

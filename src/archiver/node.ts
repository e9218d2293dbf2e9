import type { NodeType, TreeNode } from '../core/index.js';
import { formatTime, goModeFromStat, parseTime } from '../snapshot/index.js';
import type { EntryStat, IdNames } from '../source/index.js';
import type { ChangeRules } from './types.js';

/** restic's node type of an lstat result. */
export function nodeTypeOf(st: EntryStat): NodeType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isBlockDevice()) return 'dev';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'irregular';
}

/**
 * The metadata part of a node, field for field what restic 0.14 records (`nodeFromFileInfo`): `size`/`links` for
 * files, `links` for symlinks and devices, `device` (rdev) for devices; `content` is null until the caller fills it.
 * `format` writes the times (a backup passes its localTimeFormatter).
 */
export function nodeFromStat(
  name: string,
  st: EntryStat,
  names: IdNames,
  linktarget?: string,
  rules?: ChangeRules,
  format: (ns: bigint) => string = formatTime,
): TreeNode {
  const type = nodeTypeOf(st);
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const mtime = format(st.mtimeNs);
  const node: TreeNode = {
    name,
    type,
    mode: goModeFromStat(Number(st.mode)),
    mtime,
    atime: rules?.withAtime === true ? format(st.atimeNs) : mtime,
    ctime: format(st.ctimeNs),
    uid,
    gid,
    content: null,
  };
  const user = names.user(uid);
  const group = names.group(gid);
  if (user !== undefined) node.user = user;
  if (group !== undefined) node.group = group;
  // Exact: inodes above 2^53 (overlayfs, NFS, FUSE) must not round onto a neighbour.
  if (st.ino !== 0n) node.inode = st.ino;
  if (st.dev !== 0n) node.device_id = st.dev;
  switch (type) {
    case 'file':
      node.size = Number(st.size);
      node.links = Number(st.nlink);
      break;
    case 'symlink':
      node.links = Number(st.nlink);
      if (linktarget !== undefined) node.linktarget = linktarget;
      break;
    case 'dev':
    case 'chardev':
      node.links = Number(st.nlink);
      node.device = st.rdev;
      break;
    default:
      break;
  }
  return node;
}

/**
 * restic's `fileChanged`: a parent file node can be reused if type, mtime, ctime, inode and size are the same (ctime
 * and inode unless `rules` ignore them).
 */
export function fileUnchanged(
  old: TreeNode | undefined,
  st: EntryStat,
  current?: TreeNode,
  rules?: ChangeRules,
): old is TreeNode & { content: string[] } {
  if (old === undefined || old.type !== 'file' || old.content === null) return false;
  if ((old.size ?? 0) !== Number(st.size)) return false;
  const ignoreInode = rules?.ignoreInode === true;
  if (!ignoreInode && (old.inode ?? 0n) !== st.ino) return false;
  if (!sameTime(old.mtime, st.mtimeNs, current?.mtime)) return false;
  return ignoreInode || rules?.ignoreCtime === true || sameTime(old.ctime, st.ctimeNs, current?.ctime);
}

/** `formatted` is `ns` as nodeFromStat wrote it: equal text is the same instant, so parsing is only a fallback. */
function sameTime(stored: string, ns: bigint, formatted?: string): boolean {
  if (formatted !== undefined && stored === formatted) return true;
  try {
    return parseTime(stored) === ns;
  } catch {
    return false;
  }
}

/** restic's `Node.Equals`: every field, with times compared as instants. */
export function nodesEqual(a: TreeNode, b: TreeNode): boolean {
  const scalar: (keyof TreeNode)[] = [
    'name', 'type', 'mode', 'uid', 'gid', 'user', 'group', 'inode', 'device_id', 'size', 'links', 'linktarget',
    'device', 'subtree', 'error',
  ];
  for (const k of scalar) if (a[k] !== b[k]) return false;
  for (const k of ['mtime', 'atime', 'ctime'] as const) {
    if (a[k] !== b[k] && !timesEqual(a[k], b[k])) return false;
  }
  return sameList(a.content, b.content) && sameXattrs(a, b);
}

/**
 * Whether two nodes encode to the same tree JSON: every field identical, times as the same text. Spelled out field by
 * field: it runs for every node of every unchanged folder, and a loop over key names is several times slower
 * (node.test.ts checks it against the encoder for each field).
 */
export function sameEncoding(a: TreeNode, b: TreeNode): boolean {
  return (
    a.name === b.name &&
    a.type === b.type &&
    a.mode === b.mode &&
    a.mtime === b.mtime &&
    a.atime === b.atime &&
    a.ctime === b.ctime &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    a.user === b.user &&
    a.group === b.group &&
    a.inode === b.inode &&
    a.device_id === b.device_id &&
    a.size === b.size &&
    a.links === b.links &&
    a.linktarget === b.linktarget &&
    a.device === b.device &&
    a.subtree === b.subtree &&
    a.error === b.error &&
    sameList(a.content, b.content) &&
    sameXattrs(a, b)
  );
}

function sameXattrs(a: TreeNode, b: TreeNode): boolean {
  const xa = a.extended_attributes ?? [];
  const xb = b.extended_attributes ?? [];
  return xa.length === xb.length && xa.every((x, i) => x.name === xb[i]!.name && x.value.equals(xb[i]!.value));
}

function timesEqual(a: string, b: string): boolean {
  try {
    return parseTime(a) === parseTime(b);
  } catch {
    return false;
  }
}

function sameList(a: string[] | null, b: string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

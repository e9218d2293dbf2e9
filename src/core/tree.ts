import type { Id } from './ids.js';

export type NodeType = 'file' | 'dir' | 'symlink' | 'dev' | 'chardev' | 'fifo' | 'socket' | 'irregular';

export interface ExtendedAttribute {
  name: string;
  value: Buffer;
}

/**
 * One entry of a directory listing, field for field restic's tree node (section 8 of the format notes).
 * Field names are restic's JSON names. Times are RFC 3339 strings with nanoseconds, kept as strings so that
 * nothing is lost between reading and writing. `mode` holds Go `os.FileMode` bits, not POSIX `st_mode`.
 * `inode`, `device_id` and `device` are restic's uint64 as bigint: on overlayfs, NFS, FUSE or CephFS inodes go beyond
 * 2^53, where a double would merge two files into one. `size` and `links` stay numbers (never that large in practice;
 * the tree decoder refuses larger values rather than round them).
 */
export interface TreeNode {
  name: string;
  type: NodeType;
  mode?: number;
  mtime: string;
  atime: string;
  ctime: string;
  uid: number;
  gid: number;
  user?: string;
  group?: string;
  inode?: bigint;
  device_id?: bigint;
  size?: number;
  links?: number;
  linktarget?: string;
  extended_attributes?: ExtendedAttribute[];
  device?: bigint;
  /** File: data blob ids in order (`[]` for an empty file); anything else: null. */
  content: Id[] | null;
  /** Directory: the tree id of its contents. */
  subtree?: Id;
  error?: string;
}

export interface Tree {
  nodes: TreeNode[];
}

import { execFile } from 'node:child_process';
import { chmod, lchown, lstat, lutimes } from 'node:fs/promises';
import { promisify } from 'node:util';
import { errnoCode, type FsPath, type TreeNode } from '../core/index.js';
import { parseTime, statModeFromGo } from '../snapshot/index.js';

const run = promisify(execFile);

/** Where the path goes among a tool's arguments. */
const PATH = Symbol('path');

/**
 * Runs a system tool on `path`. Node passes arguments as UTF-8 text, so a path whose bytes are not UTF-8 (a Buffer)
 * goes through `sh`, which reads it from standard input byte for byte (the "." keeps trailing newlines) and hands it
 * on; the other arguments stay positional parameters, never script text.
 */
async function runOn(path: FsPath, program: string, args: readonly (string | typeof PATH)[]): Promise<void> {
  if (typeof path === 'string') {
    await run(program, args.map((a) => (a === PATH ? path : a)));
    return;
  }
  let n = 0;
  const refs = args.map((a) => (a === PATH ? '"$p"' : `"\${${++n}}"`));
  const script = `p=$(cat; echo .) && p=\${p%.} && exec "$0" ${refs.join(' ')}`;
  const running = run('sh', ['-c', script, program, ...args.filter((a) => a !== PATH)]);
  running.child.stdin?.end(path);
  await running;
}

/** Per-restore facts about what the process may do, and where item errors go. */
export interface MetaContext {
  readonly isRoot: boolean;
  /** Records a non-fatal problem with one item. */
  readonly warn: (item: string, message: string) => void;
  /** Resolved once: is `setfattr` on PATH? */
  setfattr?: Promise<boolean>;
}

export function makeMetaContext(warn: (item: string, message: string) => void): MetaContext {
  return { isRoot: process.getuid?.() === 0, warn };
}

/** Seconds since the epoch as a double; fs.utimes keeps the fraction (about 0.2 µs resolution today). */
export function timeToSeconds(time: string): number {
  const ns = parseTime(time);
  return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The calls metadata needs on an open file (see safe-fs FdFile): synchronous, one syscall each. */
export interface MetaTarget {
  chown(uid: number, gid: number): void;
  chmod(mode: number): void;
  utimes(atime: number, mtime: number): void;
}

/** What a file's metadata is set from (a tree node, or its copy in a worker job). */
export type FileMeta = Pick<TreeNode, 'uid' | 'gid' | 'mode' | 'atime' | 'mtime'>;

/** Owner and mode of an open file; the warning if they cannot be set. chown clears setuid/setgid: it goes first. */
export function setOwnerAndMode(fh: MetaTarget, node: FileMeta, isRoot: boolean): string | undefined {
  try {
    if (isRoot) fh.chown(node.uid, node.gid);
    if (node.mode !== undefined) fh.chmod(statModeFromGo(node.mode));
    return undefined;
  } catch (err) {
    return `cannot set owner or mode: ${describe(err)}`;
  }
}

/** Access and modification times of an open file (set last: writes change them); the warning if they cannot be. */
export function setTimes(fh: MetaTarget, node: FileMeta): string | undefined {
  try {
    fh.utimes(timeToSeconds(node.atime), timeToSeconds(node.mtime));
    return undefined;
  } catch (err) {
    return `cannot set times: ${describe(err)}`;
  }
}

/** Owner, mode, xattrs and times of a file still open for writing (the fd cannot be swapped for a symlink). */
export async function restoreFileMeta(fh: MetaTarget, path: FsPath, loc: string, node: TreeNode, ctx: MetaContext): Promise<void> {
  const ownerMode = setOwnerAndMode(fh, node, ctx.isRoot);
  if (ownerMode !== undefined) ctx.warn(loc, ownerMode);
  await restoreXattrs(path, loc, node, ctx);
  const times = setTimes(fh, node);
  if (times !== undefined) ctx.warn(loc, times);
}

/** Metadata of a directory, symlink, fifo or device, by path, without following a symlink. */
export async function restorePathMeta(path: FsPath, loc: string, node: TreeNode, ctx: MetaContext): Promise<void> {
  try {
    if (ctx.isRoot) await lchown(path, node.uid, node.gid);
    // chmod follows symlinks and Linux has no lchmod: only chmod what is not a symlink right now.
    if (node.type !== 'symlink' && node.mode !== undefined && !(await lstat(path)).isSymbolicLink()) {
      await chmod(path, statModeFromGo(node.mode));
    }
  } catch (err) {
    ctx.warn(loc, `cannot set owner or mode: ${describe(err)}`);
  }
  if (node.type !== 'symlink') await restoreXattrs(path, loc, node, ctx);
  try {
    await lutimes(path, timeToSeconds(node.atime), timeToSeconds(node.mtime));
  } catch (err) {
    ctx.warn(loc, `cannot set times: ${describe(err)}`);
  }
}

async function hasSetfattr(ctx: MetaContext): Promise<boolean> {
  ctx.setfattr ??= run('setfattr', ['--version']).then(
    () => true,
    () => false,
  );
  return ctx.setfattr;
}

/**
 * A name for `setfattr --restore` as getfattr --dump writes it: bytes outside printable ASCII, `\\` and `=` become
 * `\\ooo` octal escapes, so any path (not UTF-8, with newlines) and any attribute name fits on its line.
 */
function dumpName(name: FsPath): string {
  const bytes = typeof name === 'string' ? Buffer.from(name, 'utf8') : Buffer.from(name);
  let out = '';
  for (const b of bytes) {
    out += b > 0x20 && b < 0x7f && b !== 0x5c && b !== 0x3d ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/**
 * Sets all attributes of one item with one `setfattr -h --restore=-`, reading the values (base64) from standard input:
 * as arguments they would be visible to every local user in `ps` (`trusted.*` and `security.*` ones included).
 */
async function restoreXattrs(path: FsPath, loc: string, node: TreeNode, ctx: MetaContext): Promise<void> {
  const attrs = node.extended_attributes ?? [];
  if (attrs.length === 0) return;
  if (!(await hasSetfattr(ctx))) {
    ctx.warn(loc, 'extended attributes not restored: the setfattr program is not installed');
    return;
  }
  // setfattr refuses an empty "0s" value; `""` is its spelling of an empty one.
  const value = (v: Uint8Array): string => (v.length === 0 ? '""' : `0s${Buffer.from(v).toString('base64')}`);
  const lines = attrs.map((a) => `${dumpName(a.name)}=${value(a.value)}`);
  try {
    const running = run('setfattr', ['-h', '--restore=-']);
    running.child.stdin?.end(`# file: ${dumpName(path)}\n${lines.join('\n')}\n`);
    await running;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    ctx.warn(loc, `cannot set extended attributes: ${stderr !== undefined && stderr !== '' ? stderr : describe(err)}`);
  }
}

/** Creates a fifo or device node with the system tools (Node has no mkfifo/mknod). */
export async function createSpecial(path: FsPath, loc: string, node: TreeNode, ctx: MetaContext): Promise<boolean> {
  try {
    if (node.type === 'fifo') {
      await runOn(path, 'mkfifo', ['-m', '600', '--', PATH]);
      return true;
    }
    if (node.type === 'dev' || node.type === 'chardev') {
      if (!ctx.isRoot) {
        ctx.warn(loc, 'device node not restored: creating devices needs root');
        return false;
      }
      const { major, minor } = splitDevice(node.device ?? 0n);
      await runOn(path, 'mknod', ['-m', '600', '--', PATH, node.type === 'dev' ? 'b' : 'c', String(major), String(minor)]);
      return true;
    }
  } catch (err) {
    ctx.warn(loc, `cannot create ${node.type}: ${errnoCode(err) ?? describe(err)}`);
    return false;
  }
  ctx.warn(loc, `${node.type} entries are not restored`);
  return false;
}

/** Linux dev_t → (major, minor), glibc's encoding. */
export function splitDevice(d: bigint): { major: number; minor: number } {
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

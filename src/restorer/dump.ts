import { once } from 'node:events';
import { throwIfAborted, CairnError, nameToBytes, type Id, type StoredSnapshot, type TreeNode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { loadTree, parseTime, parseTimeWithOffset, resolveTreePath, statModeFromGo } from '../snapshot/index.js';
import { splitDevice } from './metadata.js';
import { checkTreeNames } from './selection.js';
import { TAR_END, tarHeader, tarPadding, type TarEntry, type TarType } from './tar-writer.js';
import { ZipWriter } from './zip.js';

export interface DumpOptions {
  /** How a folder is written: 'tar' (default) or 'zip'. */
  archive?: 'tar' | 'zip';
  /**
   * Names inside the tar: 'folder' (default) = relative to the dumped folder; 'snapshot' = relative to the
   * snapshot root, as restic 0.14's dump writes them (`tree/dir1/a.txt` for `dump … /tree/dir1`).
   */
  pathsRelativeTo?: 'folder' | 'snapshot';
  signal?: AbortSignal;
}

const READ_AHEAD = 3;

/** Writes a file's bytes, or a folder (or '/') as a tar or zip stream, to `out`; memory stays bounded by a few blobs. */
export async function dump(
  repo: Repository,
  snapshot: StoredSnapshot,
  path: string,
  out: NodeJS.WritableStream,
  opts: DumpOptions = {},
): Promise<void> {
  const clean = '/' + path.split('/').filter((s) => s !== '' && s !== '.').join('/');
  const archive = opts.archive === 'zip' ? dumpZip : dumpTar;
  if (clean === '/') {
    await archive(repo, snapshot, snapshot.tree, '', out, opts);
    return;
  }
  const node = await resolveTreePath(repo, snapshot.tree, clean);
  if (node === undefined) throw new CairnError('not-found', `The path ${clean} does not exist in snapshot ${snapshot.id.slice(0, 8)}.`);
  if (node.type === 'dir' && node.subtree !== undefined) {
    const prefix = opts.pathsRelativeTo === 'snapshot' ? clean.slice(1) + '/' : '';
    await archive(repo, snapshot, node.subtree, prefix, out, opts);
  } else if (node.type === 'file') {
    await streamContent(repo, node.content ?? [], (buf) => writeOut(out, buf), opts.signal);
  } else {
    throw new CairnError('invalid-argument', `The path ${clean} is a ${node.type}, not a file or folder, and cannot be dumped.`);
  }
}

async function writeOut(out: NodeJS.WritableStream, buf: Buffer): Promise<void> {
  if (!out.write(buf)) await once(out as unknown as NodeJS.EventEmitter, 'drain');
}

/** Feeds a file's blobs in order to `write`, loading a few ahead. */
export async function streamContent(
  repo: Repository,
  content: readonly Id[],
  write: (buf: Buffer) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  for await (const buf of contentChunks(repo, content, signal)) await write(buf);
}

/** A file's blobs in order, loading a few ahead. */
export async function* contentChunks(repo: Repository, content: readonly Id[], signal?: AbortSignal): AsyncGenerator<Buffer> {
  const pending: Promise<Buffer>[] = [];
  let next = 0;
  const fill = (): void => {
    while (next < content.length && pending.length < READ_AHEAD) {
      const p = repo.loadBlob('data', content[next++]!);
      p.catch(() => undefined); // awaited below; avoids an unhandled rejection if we stop early
      pending.push(p);
    }
  };
  fill();
  while (pending.length > 0) {
    throwIfAborted(signal);
    const buf = await pending.shift()!;
    fill();
    yield buf;
  }
}

async function dumpTar(
  repo: Repository,
  snapshot: StoredSnapshot,
  treeId: Id,
  prefix: string,
  out: NodeJS.WritableStream,
  opts: DumpOptions,
): Promise<void> {
  await walkDump(repo, snapshot, treeId, prefix, (node, name) => addEntry(repo, node, name, out, opts.signal), opts.signal);
  await writeOut(out, TAR_END);
}

/**
 * A folder as a zip stream: what restic 0.14's `dump --archive zip` writes (mode and mtime per entry, link targets as
 * content, devices and fifos as empty entries), except that file data is deflated where restic stores it.
 */
const dumpZip: typeof dumpTar = async (repo, snapshot, treeId, prefix, out, opts) => {
  const zip = new ZipWriter(out);
  await walkDump(
    repo,
    snapshot,
    treeId,
    prefix,
    async (node, name) => {
      const { ns, offsetSeconds } = parseTimeWithOffset(node.mtime);
      await zip.add({
        name,
        type: node.type === 'irregular' ? 'file' : node.type,
        mode: statModeFromGo(node.mode ?? 0),
        mtime: new Date(Number(ns / 1_000_000n)),
        zoneOffsetSeconds: offsetSeconds,
        ...(node.type === 'file' ? { data: contentChunks(repo, node.content ?? [], opts.signal), size: node.size ?? 0 } : {}),
        ...(node.type === 'symlink' ? { linkTarget: node.linktarget ?? '' } : {}),
      });
    },
    opts.signal,
  );
  await zip.finish();
};

/** Visits every node below `treeId` (sockets left out, as restic does) with its archive name, parents first. */
export async function walkDump(
  repo: Repository,
  snapshot: StoredSnapshot,
  treeId: Id,
  prefix: string,
  visit: (node: TreeNode, name: string) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<void> {
  throwIfAborted(signal);
  const tree = await loadTree(repo, treeId);
  checkTreeNames(tree, snapshot.id, prefix === '' ? '/' : `/${prefix}`);
  for (const node of tree.nodes) {
    if (node.type === 'socket') continue;
    const name = prefix + node.name;
    await visit(node, name);
    if (node.type === 'dir' && node.subtree !== undefined) {
      await walkDump(repo, snapshot, node.subtree, `${name}/`, visit, signal);
    }
  }
}

async function addEntry(repo: Repository, node: TreeNode, name: string, out: NodeJS.WritableStream, signal: AbortSignal | undefined): Promise<void> {
  const entry = tarEntry(node, name);
  await writeOut(out, tarHeader(entry));
  if (entry.type !== 'file') return;
  let written = 0;
  await streamContent(repo, node.content ?? [], async (buf) => {
    written += buf.length;
    if (written <= entry.size) await writeOut(out, buf);
  }, signal);
  // The header announced the size: any other length would shift every later entry.
  if (written !== entry.size)
    throw new CairnError('corrupt', `The file ${name} holds ${written} bytes, but its node says ${entry.size}.`);
  await writeOut(out, tarPadding(entry.size));
}

/** restic's tar entry: permission bits only, owner ids and names, times, link target, xattrs as PAX records. */
export function tarEntry(node: TreeNode, name: string): TarEntry {
  const type: TarType =
    node.type === 'dir' ? 'directory'
    : node.type === 'symlink' ? 'symlink'
    : node.type === 'fifo' ? 'fifo'
    : node.type === 'dev' ? 'block-device'
    : node.type === 'chardev' ? 'character-device'
    : 'file';
  const { major, minor } = splitDevice(node.device ?? 0n);
  return {
    name: nameToBytes(type === 'directory' ? `${name}/` : name),
    type,
    mode: (node.mode ?? 0) & 0o777,
    uid: node.uid ?? 0,
    gid: node.gid ?? 0,
    uname: node.user,
    gname: node.group,
    mtime: Math.floor(Number(parseTime(node.mtime) / 1_000_000n) / 1000),
    size: type === 'file' ? (node.size ?? 0) : 0,
    ...(type === 'symlink' ? { linkname: nameToBytes(node.linktarget ?? '') } : {}),
    ...(type === 'block-device' || type === 'character-device' ? { devmajor: major, devminor: minor } : {}),
    pax: (node.extended_attributes ?? []).map((a) => [`SCHILY.xattr.${a.name}`, Buffer.from(a.value)] as const),
  };
}

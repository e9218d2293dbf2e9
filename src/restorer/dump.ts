import { once } from 'node:events';
import tar from 'tar-stream';
import { throwIfAborted, CairnError, type Id, type StoredSnapshot, type TreeNode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { loadTree, parseTime, resolveTreePath } from '../snapshot/index.js';
import { splitDevice } from './metadata.js';
import { checkTreeNames } from './selection.js';

export interface DumpOptions {
  /** Only 'tar' exists; a folder is always written as a tar stream. */
  archive?: 'tar';
  /**
   * Names inside the tar: 'folder' (default) = relative to the dumped folder; 'snapshot' = relative to the
   * snapshot root, as restic 0.14's dump writes them (`tree/dir1/a.txt` for `dump … /tree/dir1`).
   */
  pathsRelativeTo?: 'folder' | 'snapshot';
  signal?: AbortSignal;
}

const READ_AHEAD = 3;

/** Writes a file's bytes, or a folder (or '/') as a tar stream, to `out`; memory stays bounded by a few blobs. */
export async function dump(
  repo: Repository,
  snapshot: StoredSnapshot,
  path: string,
  out: NodeJS.WritableStream,
  opts: DumpOptions = {},
): Promise<void> {
  const clean = '/' + path.split('/').filter((s) => s !== '' && s !== '.').join('/');
  if (clean === '/') {
    await dumpTar(repo, snapshot, snapshot.tree, '', out, opts);
    return;
  }
  const node = await resolveTreePath(repo, snapshot.tree, clean);
  if (node === undefined) throw new CairnError('not-found', `The path ${clean} does not exist in snapshot ${snapshot.id.slice(0, 8)}.`);
  if (node.type === 'dir' && node.subtree !== undefined) {
    const prefix = opts.pathsRelativeTo === 'snapshot' ? clean.slice(1) + '/' : '';
    await dumpTar(repo, snapshot, node.subtree, prefix, out, opts);
  } else if (node.type === 'file') {
    await streamContent(repo, node.content ?? [], (buf) => writeOut(out, buf), opts.signal);
  } else {
    throw new CairnError('invalid-argument', `The path ${clean} is a ${node.type}, not a file or folder, and cannot be dumped.`);
  }
}

export async function writeOut(out: NodeJS.WritableStream, buf: Buffer): Promise<void> {
  if (!out.write(buf)) await once(out as unknown as NodeJS.EventEmitter, 'drain');
}

/** Feeds a file's blobs in order to `write`, loading a few ahead. */
export async function streamContent(
  repo: Repository,
  content: readonly Id[],
  write: (buf: Buffer) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
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
    await write(buf);
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
  const pack = tar.pack();
  const pump = (async () => {
    for await (const chunk of pack) await writeOut(out, chunk as Buffer);
  })();
  try {
    await writeTree(repo, snapshot, treeId, prefix, pack, opts.signal);
    pack.finalize();
  } catch (err) {
    pack.destroy(err instanceof Error ? err : new Error(String(err)));
    await pump.catch(() => undefined);
    throw err;
  }
  await pump;
}

async function writeTree(
  repo: Repository,
  snapshot: StoredSnapshot,
  treeId: Id,
  prefix: string,
  pack: tar.Pack,
  signal: AbortSignal | undefined,
): Promise<void> {
  throwIfAborted(signal);
  const tree = await loadTree(repo, treeId);
  checkTreeNames(tree, snapshot.id, prefix === '' ? '/' : `/${prefix}`);
  for (const node of tree.nodes) {
    if (node.type === 'socket') continue;
    const name = prefix + node.name;
    await addEntry(repo, node, name, pack, signal);
    if (node.type === 'dir' && node.subtree !== undefined) {
      await writeTree(repo, snapshot, node.subtree, `${name}/`, pack, signal);
    }
  }
}

async function addEntry(repo: Repository, node: TreeNode, name: string, pack: tar.Pack, signal: AbortSignal | undefined): Promise<void> {
  const header = tarHeader(node, name);
  const done = new Promise<void>((resolve, reject) => {
    const entry = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    if (node.type !== 'file') return;
    const write = async (buf: Buffer): Promise<void> => {
      if (!entry.write(buf)) await once(entry, 'drain');
    };
    streamContent(repo, node.content ?? [], write, signal).then(
      () => entry.end(undefined),
      (err: unknown) => {
        entry.destroy(err instanceof Error ? err : new Error(String(err)));
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
  await done;
}

/** restic's tar header: permission bits only, owner ids and names, times, link target, xattrs as PAX records. */
export function tarHeader(node: TreeNode, name: string): Partial<tar.Header> & { name: string } & { pax?: Record<string, string> } {
  const header: Partial<tar.Header> & { name: string; pax?: Record<string, string> } = {
    name,
    mode: (node.mode ?? 0) & 0o777,
    uid: node.uid,
    gid: node.gid,
    mtime: new Date(Number(parseTime(node.mtime) / 1_000_000n)),
    ...(node.user !== undefined ? { uname: node.user } : {}),
    ...(node.group !== undefined ? { gname: node.group } : {}),
  };
  if (node.type === 'file') Object.assign(header, { type: 'file', size: node.size ?? 0 });
  else if (node.type === 'dir') Object.assign(header, { type: 'directory', name: `${name}/` });
  else if (node.type === 'symlink') Object.assign(header, { type: 'symlink', linkname: node.linktarget ?? '' });
  else if (node.type === 'fifo') header.type = 'fifo';
  else if (node.type === 'dev' || node.type === 'chardev') {
    const { major, minor } = splitDevice(node.device ?? 0n);
    Object.assign(header, { type: node.type === 'dev' ? 'block-device' : 'character-device', devmajor: major, devminor: minor });
  }
  const xattrs = node.extended_attributes ?? [];
  if (xattrs.length > 0) {
    header.pax = Object.fromEntries(xattrs.map((a) => [`SCHILY.xattr.${a.name}`, Buffer.from(a.value).toString('latin1')]));
  }
  return header;
}

// Helpers shared by this room's tests (not exported from index.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemBackend } from '../backend/mem/index.js';
import type { Id, Tree, TreeNode } from '../core/index.js';
import { Repository } from '../repository/index.js';
import { loadTree } from '../snapshot/index.js';
import type { ExcludeOptions, FilesSpec, Source } from '../source/index.js';
import { FilesSource } from '../source/files/index.js';
import { backup } from './backup.js';
import type { BackupOptions, BackupResult } from './types.js';

export const POLY = 0x35bba1908c7defn;

export async function memRepo(): Promise<Repository> {
  return Repository.init(new MemBackend(), {
    password: 'pw',
    chunkerPolynomial: POLY,
    scryptParams: { N: 1024, r: 8, p: 1 },
  });
}

export function tempDir(prefix = 'cairn-arch-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `files` (relative path → content; a trailing `/` makes a folder) under `root`. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    if (rel.endsWith('/')) fs.mkdirSync(p, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
    }
  }
}

/** The node at `/`-separated `p` below tree `id`. */
export async function nodeAt(repo: Repository, id: Id, p: string): Promise<TreeNode> {
  let tree: Tree = await loadTree(repo, id);
  const parts = p.split('/').filter((x) => x !== '');
  for (let i = 0; ; i++) {
    const node = tree.nodes.find((n) => n.name === parts[i]);
    if (!node) throw new Error(`no node ${parts.slice(0, i + 1).join('/')}`);
    if (i === parts.length - 1) return node;
    tree = await loadTree(repo, node.subtree!);
  }
}

export async function names(repo: Repository, id: Id): Promise<string[]> {
  return (await loadTree(repo, id)).nodes.map((n) => n.name);
}

export async function contentOf(repo: Repository, node: TreeNode): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const id of node.content ?? []) parts.push(await repo.loadBlob('data', id));
  return Buffer.concat(parts);
}

/** Deterministic pseudo-random bytes. */
export function randomBytesSeeded(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export type PathsBackupOptions = Omit<BackupOptions, 'excludes'> & { paths: string[]; cwd?: string; excludes?: ExcludeOptions };

/** Backs up `paths` through the files source, as the app does (the `--exclude` patterns go into the snapshot). */
export async function backupPaths(repo: Repository, opts: PathsBackupOptions): Promise<BackupResult> {
  const { paths, cwd, excludes, ...rest } = opts;
  const spec: FilesSpec = { kind: 'files', paths };
  if (cwd !== undefined) spec.cwd = cwd;
  if (excludes !== undefined) spec.excludes = excludes;
  const options: BackupOptions = { ...rest };
  if (excludes?.exclude) options.excludes = excludes.exclude;
  return backupFrom(repo, new FilesSource(spec), options);
}

/** Backs up `source` and closes it. */
export async function backupFrom(repo: Repository, source: Source, opts: BackupOptions): Promise<BackupResult> {
  try {
    return await backup(repo, source, opts);
  } finally {
    await source.close();
  }
}

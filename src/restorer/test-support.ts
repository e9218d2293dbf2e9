// Helpers for this room's tests (not exported from index.ts): build snapshots straight from trees.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { MemBackend } from '../backend/mem/index.js';
import type { Backend } from '../backend/index.js';
import type { Id, StoredSnapshot, TreeNode } from '../core/index.js';
import { Repository } from '../repository/index.js';
import { saveSnapshot, saveTree } from '../snapshot/index.js';
import { fixedClock } from '../util/index.js';

export const TIME = '2024-01-01T00:00:00Z';

/** A file's content, a symlink, a directory (nested spec), or a full node with extra fields. */
export type Entry =
  | string
  | Buffer
  | { symlink: string; extra?: Partial<TreeNode> }
  | { file: string | Buffer | Buffer[]; extra?: Partial<TreeNode> }
  | { dir: Spec; extra?: Partial<TreeNode> }
  | { node: Partial<TreeNode> & Pick<TreeNode, 'type'> };
export interface Spec {
  [name: string]: Entry;
}

export async function newRepo(backend: Backend = new MemBackend()): Promise<Repository> {
  return Repository.init(backend, {
    password: 'pw',
    chunkerPolynomial: 0x35bba1908c7defn,
    scryptParams: { N: 1024, r: 8, p: 1 },
    hostname: 'test-host',
    username: 'tester',
    clock: fixedClock(Date.UTC(2024, 0, 1)),
  });
}

function base(name: string, type: TreeNode['type'], mode: number): TreeNode {
  return { name, type, mode, mtime: TIME, atime: TIME, ctime: TIME, uid: 0, gid: 0, content: null };
}

async function fileNode(repo: Repository, name: string, data: string | Buffer | Buffer[]): Promise<TreeNode> {
  const chunks = Array.isArray(data) ? data : [Buffer.from(data)];
  const content: Id[] = [];
  for (const c of chunks) content.push((await repo.saveBlob('data', c)).id);
  const size = chunks.reduce((n, c) => n + c.length, 0);
  return { ...base(name, 'file', 0o644), size, links: 1, content };
}

async function entryNode(repo: Repository, name: string, e: Entry): Promise<TreeNode> {
  if (typeof e === 'string' || Buffer.isBuffer(e)) return fileNode(repo, name, e);
  if ('symlink' in e) return { ...base(name, 'symlink', 0x8000000 + 0o777), links: 1, linktarget: e.symlink, ...e.extra };
  if ('file' in e) return { ...(await fileNode(repo, name, e.file)), ...e.extra };
  if ('dir' in e) return { ...base(name, 'dir', 0x80000000 + 0o755), subtree: await buildTree(repo, e.dir), ...e.extra };
  return { ...base(name, e.node.type, 0o644), ...e.node };
}

/** Saves the tree described by `spec` (and everything below it); returns its id. */
export async function buildTree(repo: Repository, spec: Spec): Promise<Id> {
  const nodes: TreeNode[] = [];
  for (const [name, e] of Object.entries(spec)) nodes.push(await entryNode(repo, name, e));
  return (await saveTree(repo, { nodes })).id;
}

/** Saves a raw tree blob (for hostile trees that saveTree would refuse). */
export async function saveRawTree(repo: Repository, nodes: TreeNode[]): Promise<Id> {
  return (await repo.saveBlob('tree', Buffer.from(JSON.stringify({ nodes }) + '\n'))).id;
}

export async function snapshotOf(repo: Repository, tree: Id, time = '2024-01-02T00:00:00Z'): Promise<StoredSnapshot> {
  const snap = { time, tree, paths: ['/src'], hostname: 'test-host', username: 'tester' };
  const id = await saveSnapshot(repo, snap);
  return { ...snap, id };
}

export async function snapshotFromSpec(repo: Repository, spec: Spec): Promise<StoredSnapshot> {
  return snapshotOf(repo, await buildTree(repo, spec));
}

export function tempDir(prefix = 'cairn-restore-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Temporary folders for a test file's tests, removed (made writable first) after each test. */
export function scratchDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) {
      fs.chmodSync(d, 0o755);
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
  return () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

import { chmod, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Id, Tree, TreeNode } from '../../core/index.js';
import { hashId } from '../../core/index.js';
import { LocalBackend } from '../../backend/local/index.js';
import { Repository } from '../../repository/index.js';
import { saveSnapshot, saveTree } from '../../snapshot/index.js';

export const PASSWORD = 'check-test';
/** Cheap scrypt so tests do not spend seconds on key derivation. */
const SCRYPT = { N: 1024, r: 8, p: 1 };
const TIME = '2024-01-02T03:04:05.000000006Z';

/** What a test needs to know to damage the repository in a targeted way. */
export interface TestRepo {
  dir: string;
  repo: Repository;
  snapshotId: Id;
  /** Index file id → what it holds: 'small' (a.txt), 'big' (big.bin, c.txt), 'trees'. */
  indexFiles: Record<'small' | 'big' | 'trees', Id>;
  blobs: { a: Id; big: Id[]; c: Id; root: Id; sub: Id };
  close(): Promise<void>;
}

function bytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = Buffer.from(seed);
  for (let pos = 0; pos < size; pos += 32) {
    block = Buffer.from(hashId(block), 'hex');
    block.copy(out, pos);
  }
  return out;
}

function fileNode(name: string, content: Id[], size: number): TreeNode {
  return { name, type: 'file', mode: 0o644, mtime: TIME, atime: TIME, ctime: TIME, uid: 0, gid: 0, size, content };
}

function dirNode(name: string, subtree: Id): TreeNode {
  return { name, type: 'dir', mode: 2 ** 31 + 0o755, mtime: TIME, atime: TIME, ctime: TIME, uid: 0, gid: 0, content: null, subtree };
}

async function indexIds(repo: Repository): Promise<Set<Id>> {
  const ids = new Set<Id>();
  for await (const f of repo.list('index')) ids.add(f.name);
  return ids;
}

/** Flushes and returns the one index file the flush wrote. */
async function flushNew(repo: Repository): Promise<Id> {
  const before = await indexIds(repo);
  await repo.flush();
  const added = [...(await indexIds(repo))].filter((id) => !before.has(id));
  if (added.length !== 1) throw new Error(`expected one new index file, got ${added.length}`);
  return added[0] as Id;
}

/**
 * A small repository in a temp folder with three index files (small data, big data, trees) and one snapshot:
 * /a.txt, /big.bin (3 blobs), /empty.txt, /sub/c.txt.
 */
export async function makeTestRepo(): Promise<TestRepo> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cairn-check-'));
  const repo = await Repository.init(new LocalBackend(dir), { password: PASSWORD, scryptParams: SCRYPT });
  const a = (await repo.saveBlob('data', bytes('a', 1000))).id;
  const small = await flushNew(repo);
  const big: Id[] = [];
  for (const seed of ['b1', 'b2', 'b3']) big.push((await repo.saveBlob('data', bytes(seed, 100_000))).id);
  const c = (await repo.saveBlob('data', Buffer.from('see\n'))).id;
  const bigIndex = await flushNew(repo);
  const subTree: Tree = { nodes: [fileNode('c.txt', [c], 4)] };
  const sub = (await saveTree(repo, subTree)).id;
  const rootTree: Tree = {
    nodes: [
      fileNode('a.txt', [a], 1000),
      fileNode('big.bin', big, 300_000),
      fileNode('empty.txt', [], 0),
      dirNode('sub', sub),
    ],
  };
  const root = (await saveTree(repo, rootTree)).id;
  const trees = await flushNew(repo);
  const snapshotId = await saveSnapshot(repo, { time: TIME, tree: root, paths: ['/data'], hostname: 'test-host', username: 'root' });
  return {
    dir,
    repo,
    snapshotId,
    indexFiles: { small, big: bigIndex, trees },
    blobs: { a, big, c, root, sub },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Opens the repository in `dir` afresh, as a later `check` run would. */
export function openTestRepo(dir: string, password = PASSWORD): Promise<Repository> {
  return Repository.open(new LocalBackend(dir), { password });
}

export function packPath(dir: string, packId: Id): string {
  return path.join(dir, 'data', packId.slice(0, 2), packId);
}

/** Flips one byte of a repository file (files are written read-only, as restic does). */
export async function flipByte(file: string, offset: number): Promise<void> {
  await chmod(file, 0o600);
  const data = await readFile(file);
  data[offset] = (data[offset] ?? 0) ^ 0x55;
  await writeFile(file, data);
}

export async function truncateFile(file: string, size: number): Promise<void> {
  await chmod(file, 0o600);
  await truncate(file, size);
}

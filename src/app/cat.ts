import { CairnError } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { resolveTreePath } from '../snapshot/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';
import { parseSnapshotRef, resolveSnapshot } from './restore.js';

export const CAT_TYPES = [
  'config',
  'index',
  'snapshot',
  'key',
  'lock',
  'blob',
  'masterkey',
  'pack',
  'tree',
] as const;
export type CatType = (typeof CAT_TYPES)[number];

/** What `cat` prints: documents as indented JSON like restic, blobs and packs as their raw bytes. */
export interface CatOutput {
  kind: 'json' | 'raw';
  data: Buffer;
}

/** Re-indents JSON bytes the way restic's json.MarshalIndent prints documents. */
export function prettyJSON(bytes: Uint8Array | string): Buffer {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  return Buffer.from(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
}

export function configJSON(config: Repository['config']): string {
  return JSON.stringify({
    version: config.version,
    id: config.id,
    chunker_polynomial: config.chunkerPolynomial.toString(16),
  });
}

export async function catObject(
  deps: AppDeps,
  opts: OpenOptions,
  type: CatType,
  arg?: string,
): Promise<CatOutput> {
  if (!(CAT_TYPES as readonly string[]).includes(type)) {
    throw new CairnError(
      'invalid-argument',
      `Cannot cat "${String(type)}": use one of ${CAT_TYPES.join(', ')}.`,
    );
  }
  const needsArg = type !== 'config' && type !== 'masterkey';
  if (needsArg && (arg === undefined || arg === '')) {
    throw new CairnError('invalid-argument', `cat ${type} needs an ID.`);
  }
  return withRepository(deps, opts, 'shared', async ({ repo }) => catIn(repo, type, arg ?? ''), {
    readOnly: true,
  });
}

async function catIn(repo: Repository, type: CatType, arg: string): Promise<CatOutput> {
  const json = (data: Uint8Array | string): CatOutput => ({ kind: 'json', data: prettyJSON(data) });
  switch (type) {
    case 'config':
      return json(configJSON(repo.config));
    case 'masterkey':
      return json(repo.masterKeyJSON());
    case 'key':
      return json(await repo.readKeyFile(await repo.resolveId('keys', arg)));
    case 'lock':
      return json(await repo.loadUnpacked('locks', await repo.resolveId('locks', arg)));
    case 'snapshot': {
      const snap = await resolveSnapshot(repo, arg);
      return json(await repo.loadUnpacked('snapshots', snap.id));
    }
    case 'index':
      return { kind: 'raw', data: await repo.loadUnpacked('index', await repo.resolveId('index', arg)) };
    case 'pack':
      return { kind: 'raw', data: await repo.readPack(await repo.resolveId('data', arg)) };
    case 'blob':
      return { kind: 'raw', data: await loadAnyBlob(repo, arg) };
    case 'tree':
      return { kind: 'raw', data: await loadSnapshotTree(repo, arg) };
  }
}

async function loadAnyBlob(repo: Repository, id: string): Promise<Buffer> {
  await repo.loadIndex();
  for (const t of ['data', 'tree'] as const) {
    if (repo.has(t, id)) return repo.loadBlob(t, id);
  }
  throw new CairnError('not-found', `Blob ${id} is not in the index.`);
}

async function loadSnapshotTree(repo: Repository, arg: string): Promise<Buffer> {
  await repo.loadIndex();
  const { ref, subPath } = parseSnapshotRef(arg);
  const snap = await resolveSnapshot(repo, ref);
  let treeId = snap.tree;
  if (subPath !== undefined && subPath.replace(/\/+/g, '') !== '') {
    const node = await resolveTreePath(repo, snap.tree, subPath);
    if (!node)
      throw new CairnError('not-found', `${subPath} does not exist in snapshot ${snap.id.slice(0, 8)}.`);
    if (node.type !== 'dir' || node.subtree === undefined) {
      throw new CairnError(
        'invalid-argument',
        `${subPath} in snapshot ${snap.id.slice(0, 8)} is not a folder.`,
      );
    }
    treeId = node.subtree;
  }
  return repo.loadBlob('tree', treeId);
}

// Helpers shared by this room's tests (not exported from index.ts).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { MemBackend } from '../backend/mem/index.js';
import type { FileType } from '../core/index.js';

export const FIXTURES = new URL('../../test/fixtures/restic-0.14/', import.meta.url);

export interface FixtureSnapshot {
  id: string;
  tree: string;
  json: Record<string, unknown>;
  nodes: { path: string; type: string; mode: number; subtree?: string; linktarget?: string; size?: number }[];
}

export interface Facts {
  masterkey: unknown;
  trees: Record<string, string>;
  snapshots: FixtureSnapshot[];
}

export function loadFacts(): Facts {
  return JSON.parse(readFileSync(new URL('facts.json', FIXTURES), 'utf8')) as Facts;
}

/** Every file of the fixture repository (repo.tar.gz) as path inside `repo/` → bytes. */
export async function fixtureRepoFiles(): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const tar = extract();
  const done = new Promise<void>((resolve, reject) => {
    tar.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name.replace(/^repo\//, ''), Buffer.concat(chunks));
        next();
      });
    });
    tar.on('finish', resolve);
    tar.on('error', reject);
  });
  tar.end(gunzipSync(readFileSync(new URL('repo.tar.gz', FIXTURES))));
  await done;
  return files;
}

/** The fixture repository loaded into a MemBackend (password `test`). */
export async function fixtureBackend(): Promise<MemBackend> {
  const backend = new MemBackend();
  for (const [path, data] of await fixtureRepoFiles()) {
    const parts = path.split('/');
    const type = parts[0] as FileType;
    const name = type === 'config' ? 'config' : parts[parts.length - 1]!;
    await backend.write({ type, name }, data);
  }
  return backend;
}

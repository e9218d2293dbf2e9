// Helpers shared by this room's tests (not exported from index.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemBackend } from '../backend/mem/index.js';
import type { Backend } from '../backend/index.js';
import { fixedClock } from '../util/index.js';
import type { Clock } from '../util/index.js';
import { Repository } from './repository.js';
import type { InitOptions } from './types.js';

export const FIXTURES = fileURLToPath(new URL('../../test/fixtures/restic-0.14/', import.meta.url));
export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };
export const POLY = 0x35bba1908c7defn;

export interface Facts {
  config: { id: string; version: number; chunker_polynomial: string };
  masterkey: { encrypt: string; mac: { k: string; r: string } };
  blobs: Record<string, { pack: string; type: 'data' | 'tree'; offset: number; length: number; uncompressed_length?: number; plaintext_length: number }>;
  packs: Record<string, { path: string; size: number }>;
  index_files: Record<string, unknown>;
  snapshots: { id: string; json: Record<string, unknown> }[];
  keys: Record<string, unknown>;
  lock_samples: Record<string, { file: string; storage_id: string }>;
}

export function loadFacts(): Facts {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'facts.json'), 'utf8')) as Facts;
}

/** A fresh temp folder, removed by `cleanup`. */
export function tempDir(prefix = 'cairn-repo-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Extracts the fixture repository into a new temp folder; returns the repository path (writable). */
export function extractFixture(): string {
  const dir = tempDir('cairn-fixture-');
  execFileSync('tar', ['-xzf', path.join(FIXTURES, 'repo.tar.gz'), '-C', dir]);
  execFileSync('chmod', ['-R', 'u+w', dir]);
  return path.join(dir, 'repo');
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export async function newMemRepo(
  opts: Partial<InitOptions> = {},
  backend: Backend = new MemBackend(),
  clock: Clock = fixedClock(Date.UTC(2024, 0, 1)),
): Promise<Repository> {
  return Repository.init(backend, {
    password: 'pw',
    chunkerPolynomial: POLY,
    scryptParams: CHEAP_SCRYPT,
    hostname: 'test-host',
    username: 'tester',
    clock,
    ...opts,
  });
}

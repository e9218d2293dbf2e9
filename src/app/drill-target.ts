import { chmod, lstat, mkdir, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { CairnError, errnoCode } from '../core/index.js';

/** Where a drill restores, and how to leave no trace of it afterwards. */
export interface DrillTarget {
  path: string;
  /** A folder the drill made (temporary or a missing `--target`): removed afterwards, not only emptied. */
  created: boolean;
}

/** A new temporary folder, or the given one, which must be missing or empty (a drill never mixes with other files). */
export async function prepareDrillTarget(given: string | undefined): Promise<DrillTarget> {
  if (given === undefined) return { path: await mkdtemp(join(os.tmpdir(), 'cairn-drill-')), created: true };
  const path = resolve(given);
  let entries: string[];
  try {
    entries = await readdir(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') {
      await mkdir(path, { recursive: true });
      return { path, created: true };
    }
    if (code === 'ENOTDIR') throw new CairnError('invalid-argument', `The drill target ${given} is not a folder.`);
    throw err;
  }
  if (entries.length > 0) {
    throw new CairnError('invalid-argument', `The drill target ${given} is not empty; give an empty or new folder.`);
  }
  return { path, created: false };
}

/**
 * Removes what the drill restored. Restored folders may be read-only (their snapshot mode): each is made writable
 * before its entries go, or removing them would fail without root. Names are handled as bytes (they need not be
 * UTF-8).
 */
export async function removeDrillTarget(target: DrillTarget): Promise<void> {
  const root = Buffer.from(target.path);
  for (const name of await readdir(root, { encoding: 'buffer' })) {
    const path = child(root, name);
    await makeRemovable(path);
    await rm(path, { recursive: true, force: true });
  }
  if (target.created) await rmdir(target.path);
}

function child(dir: Buffer, name: Buffer): Buffer {
  return Buffer.concat([dir, Buffer.from('/'), name]);
}

async function makeRemovable(path: Buffer): Promise<void> {
  if (!(await lstat(path)).isDirectory()) return;
  await chmod(path, 0o700);
  for (const name of await readdir(path, { encoding: 'buffer' })) await makeRemovable(child(path, name));
}

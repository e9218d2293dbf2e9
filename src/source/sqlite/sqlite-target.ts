import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CairnError, errnoCode } from '../../core/index.js';
import type { RestoreTarget } from '../source.js';
import type { SqliteSpec } from '../spec.js';
import { checkIntegrity } from './copy.js';

/**
 * `restore --to sqlite:///path/app.db`: the database is written next to its place, flushed to disk, checked with
 * `PRAGMA integrity_check` and renamed over the target, so the target is always either the old database or the
 * whole restored one — never half-written.
 */
export function sqliteTarget(spec: SqliteSpec): RestoreTarget {
  const target = spec.path;
  const dir = path.dirname(target);
  return {
    display: `sqlite://${target}`,
    folder: '/sqlite',
    accepts: (p) => /^\/sqlite\/[^/]+$/.test(p),
    async prepare(force): Promise<void> {
      try {
        if (!(await fs.stat(dir)).isDirectory()) throw new Error('not a folder');
      } catch {
        throw new CairnError('invalid-argument', `The folder ${dir} to restore ${path.basename(target)} into does not exist.`);
      }
      const st = await fs.stat(target).catch(() => undefined);
      if (st !== undefined && st.size > 0 && !force) {
        throw new CairnError('invalid-argument', `${target} already exists and is not empty; restore to another path or add --force.`);
      }
    },
    async write(data, signal): Promise<void> {
      const temp = path.join(dir, `.${path.basename(target)}.cairn-${randomBytes(6).toString('hex')}`);
      try {
        const fh = await fs.open(temp, 'wx', 0o600);
        try {
          for await (const piece of data) {
            signal?.throwIfAborted();
            await fh.write(piece);
          }
          await fh.sync();
        } finally {
          await fh.close();
        }
        await checkIntegrity(temp, `the restored database for ${target}`);
        const old = await fs.stat(target).catch(() => undefined);
        if (old !== undefined) await fs.chmod(temp, old.mode & 0o7777);
        // A journal or WAL of the replaced database must not be applied to the restored one.
        for (const suffix of ['-wal', '-shm', '-journal']) await fs.rm(target + suffix, { force: true });
        await fs.rename(temp, target);
        await syncDir(dir);
      } catch (err) {
        await fs.rm(temp, { force: true });
        if (err instanceof CairnError) throw err;
        throw new CairnError('fatal', `Restoring ${target} failed (${errnoCode(err) ?? String(err)}); the target is unchanged.`, { cause: err });
      }
    },
  };
}

/** Makes a rename in `dir` durable. */
async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

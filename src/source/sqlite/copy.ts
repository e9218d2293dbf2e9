import fs from 'node:fs/promises';
import { CairnError, errnoCode } from '../../core/index.js';

/** node:sqlite, loaded when a SQLite source or target is used (other commands never pay for it). */
async function sqlite(): Promise<typeof import('node:sqlite')> {
  return import('node:sqlite');
}

/** How long a copy waits for a writer's lock before giving up. */
const BUSY_TIMEOUT_MS = 30_000;

/**
 * Copies a live SQLite database with the SQLite backup API in one step: one read transaction, so the copy is the
 * database as of one moment, whatever the application writes meanwhile (WAL contents included). @throws CairnError 'source-unreadable' when the file is missing or not a database.
 */
export async function copyDatabase(from: string, to: string): Promise<void> {
  const { DatabaseSync, backup } = await sqlite();
  try {
    await fs.access(from);
  } catch (err) {
    throw new CairnError('source-unreadable', `The SQLite database ${from} cannot be read (${errnoCode(err) ?? String(err)}).`, { cause: err });
  }
  let db: InstanceType<typeof DatabaseSync> | undefined;
  try {
    db = new DatabaseSync(from, { readOnly: true, timeout: BUSY_TIMEOUT_MS });
    await backup(db, to, { rate: 2 ** 31 - 1 });
  } catch (err) {
    throw new CairnError('source-unreadable', `The SQLite database ${from} cannot be copied: ${err instanceof Error ? err.message : String(err)}.`, { cause: err });
  } finally {
    db?.close();
  }
}

/** `PRAGMA integrity_check` of a database file. @throws CairnError 'corrupt' naming `what` when it is not "ok". */
export async function checkIntegrity(file: string, what: string): Promise<void> {
  const { DatabaseSync } = await sqlite();
  let result: string;
  try {
    // Read-write, so that closing removes the -wal and -shm files a WAL-mode database gets when it is opened.
    const db = new DatabaseSync(file);
    try {
      const rows = db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
      result = rows.map((r) => r.integrity_check).join('; ');
    } finally {
      db.close();
    }
  } catch (err) {
    result = err instanceof Error ? err.message : String(err);
  }
  if (result !== 'ok') throw new CairnError('corrupt', `The integrity check of ${what} failed: ${result}.`);
}

/** The version of the SQLite library node:sqlite carries. */
export async function sqliteVersion(): Promise<string> {
  const { DatabaseSync } = await sqlite();
  const db = new DatabaseSync(':memory:');
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

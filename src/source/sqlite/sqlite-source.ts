import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CairnError } from '../../core/index.js';
import type { DirEntry, OpenStream, Source, SourceDescription, SourceError, SourceListing, SymlinkEntry } from '../source.js';
import type { SqliteSpec } from '../spec.js';
import { streamEntry } from '../virtual.js';
import { checkIntegrity, copyDatabase, sqliteVersion } from './copy.js';

/**
 * A live SQLite database as one file: copied with the backup API into a private temporary folder (consistent while
 * the application writes), checked with `PRAGMA integrity_check`, streamed into the repository, and the copy
 * removed whatever happens.
 */
export class SqliteSource implements Source {
  readonly paths: readonly string[];
  private readonly name: string;
  private version: string | undefined;

  constructor(private readonly spec: SqliteSpec) {
    this.name = path.basename(spec.path);
    this.paths = ['/' + this.name];
  }

  /** @throws CairnError 'source-unreadable' when the database file does not exist. */
  async roots(): Promise<SourceListing> {
    try {
      const st = await fs.stat(this.spec.path);
      if (!st.isFile()) throw new Error('not a file');
    } catch {
      throw new CairnError('source-unreadable', `The SQLite database ${this.spec.path} does not exist or is not a file.`);
    }
    this.version = await sqliteVersion();
    return { entries: [streamEntry(this.name, '/' + this.name, (signal) => this.open(signal))], errors: [] };
  }

  private open(signal: AbortSignal): OpenStream {
    let settle!: (err?: Error) => void;
    const done = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
    done.catch(() => undefined);
    const from = this.spec.path;
    async function* produce(): AsyncGenerator<Uint8Array> {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cairn-sqlite-'));
      try {
        const copy = path.join(dir, 'copy.db');
        await copyDatabase(from, copy);
        await checkIntegrity(copy, `the copy of ${from}`);
        for await (const piece of createReadStream(copy, { signal })) yield piece as Buffer;
        settle();
      } catch (err) {
        settle(err instanceof Error ? err : new CairnError('fatal', 'The SQLite copy failed.'));
        throw err;
      } finally {
        settle(new CairnError('interrupted', 'The SQLite copy was not read to its end.'));
        await fs.rm(dir, { recursive: true, force: true });
      }
    }
    return { stream: produce(), done };
  }

  /** There are no folders in this source. */
  async list(_dir: DirEntry): Promise<SourceListing> {
    return { entries: [], errors: [] };
  }

  async readLink(entry: SymlinkEntry): Promise<string | SourceError> {
    return { item: entry.path, during: 'readlink', message: `${entry.path} is not a symlink of this source.` };
  }

  describe(): SourceDescription[] {
    const tool = `SQLite ${this.version ?? ''} backup API (node:sqlite)`.replace('  ', ' ');
    return [{ kind: 'sqlite', from: `sqlite://${this.spec.path}`, paths: [...this.paths], tool }];
  }

  async close(): Promise<void> {}
}

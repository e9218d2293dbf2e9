/**
 * A local folder as the destination of a job's archives: each is written as `.NAME.tmp`, fsynced, renamed and the
 * folder fsynced, so a crash leaves the complete file or a `.tmp` leftover (removed by the next run), never a
 * truncated archive under its final name.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileInfo, ObjectStore } from '../backend/index.js';

export class ArchiveFolder implements ObjectStore {
  constructor(readonly location: string) {}

  async put(name: string, body: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<number> {
    await fsp.mkdir(this.location, { recursive: true });
    const file = path.join(this.location, name);
    const tmp = path.join(this.location, `.${name}.tmp`);
    try {
      await pipeline(Readable.from(body), fs.createWriteStream(tmp, { mode: 0o600 }), { signal });
      const handle = await fsp.open(tmp, 'r');
      await handle.sync().finally(() => handle.close());
      await fsp.rename(tmp, file);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    await syncFolder(this.location);
    return (await fsp.stat(file)).size;
  }

  async *list(): AsyncIterable<FileInfo> {
    for (const e of await fsp.readdir(this.location, { withFileTypes: true })) {
      if (!e.isFile()) continue;
      const st = await fsp.stat(path.join(this.location, e.name)).catch(() => undefined);
      if (st !== undefined) yield { name: e.name, size: st.size };
    }
  }

  remove(name: string): Promise<void> {
    return fsp.rm(path.join(this.location, name), { force: true });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Makes the rename durable; a file system that refuses to fsync a folder is harmless here. */
async function syncFolder(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  await handle
    .sync()
    .catch(() => undefined)
    .finally(() => handle.close());
}

import type { FileType } from '../../core/index.js';
import { CairnError } from '../../core/index.js';
import type { Backend, FileInfo, Handle } from '../backend.js';

/** A repository held in memory, for unit tests. */
export class MemBackend implements Backend {
  readonly location = 'mem:';
  private readonly files = new Map<string, Buffer>();

  private static key(h: Handle): string {
    return h.type === 'config' ? 'config' : `${h.type}/${h.name}`;
  }

  private get(h: Handle): Buffer {
    const data = this.files.get(MemBackend.key(h));
    if (!data) throw new CairnError('not-found', `${MemBackend.key(h)} does not exist.`);
    return data;
  }

  async create(): Promise<void> {}

  async *list(type: FileType): AsyncIterable<FileInfo> {
    const prefix = `${type}/`;
    for (const [key, data] of [...this.files]) {
      if (type === 'config' ? key === 'config' : key.startsWith(prefix)) {
        yield { name: type === 'config' ? 'config' : key.slice(prefix.length), size: data.length };
      }
    }
  }

  async stat(h: Handle): Promise<FileInfo> {
    return { name: h.name, size: this.get(h).length };
  }

  async read(h: Handle, offset = 0, length?: number): Promise<Buffer> {
    const data = this.get(h);
    const end = length === undefined ? data.length : offset + length;
    if (offset < 0 || end > data.length || offset > end) {
      throw new CairnError('fatal', `Range ${offset}-${end} is outside ${MemBackend.key(h)} (${data.length} bytes).`);
    }
    return Buffer.from(data.subarray(offset, end));
  }

  async write(h: Handle, data: Uint8Array): Promise<void> {
    this.files.set(MemBackend.key(h), Buffer.from(data));
  }

  async remove(h: Handle): Promise<void> {
    this.get(h);
    this.files.delete(MemBackend.key(h));
  }

  async close(): Promise<void> {}
}

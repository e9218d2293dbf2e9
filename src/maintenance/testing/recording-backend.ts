import type { Backend, FileInfo, Handle } from '../../backend/index.js';
import { MemBackend } from '../../backend/mem/index.js';
import type { FileType } from '../../core/index.js';
import { CairnError } from '../../core/index.js';

/** The real in-memory backend, recording every write and delete; `appendOnly` refuses deletes as rest-server does. */
export class Recording implements Backend {
  readonly location = 'mem:';
  readonly log: string[] = [];
  appendOnly = false;
  constructor(readonly inner = new MemBackend()) {}
  create(): Promise<void> {
    return this.inner.create();
  }
  list(type: FileType): AsyncIterable<FileInfo> {
    return this.inner.list(type);
  }
  stat(h: Handle): Promise<FileInfo> {
    return this.inner.stat(h);
  }
  read(h: Handle, offset?: number, length?: number): Promise<Buffer> {
    return this.inner.read(h, offset, length);
  }
  async write(h: Handle, data: Uint8Array): Promise<void> {
    await this.inner.write(h, data);
    if (h.type !== 'locks') this.log.push(`write ${h.type}`);
  }
  async remove(h: Handle): Promise<void> {
    if (this.appendOnly && h.type !== 'locks') throw new CairnError('access-denied', 'HTTP 403');
    await this.inner.remove(h);
    if (h.type !== 'locks') this.log.push(`remove ${h.type}`);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

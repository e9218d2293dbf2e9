// Helpers shared by this room's tests (not exported from index.ts).
import type { FileType } from '../../core/index.js';
import type { Backend, FileInfo, Handle } from '../backend.js';
import { MemBackend } from '../mem/index.js';

export type Method = 'create' | 'stat' | 'read' | 'write' | 'remove' | 'list';

/**
 * A MemBackend whose calls can be made to fail: `failNext('read', err, 2)` makes the next two reads throw `err`.
 * `failNext('list', …)` fails a listing before its first entry; `midListErrors` fail it part-way. Counts calls and the most calls in flight at once.
 */
export class FlakyBackend implements Backend {
  readonly location = 'flaky:';
  readonly inner = new MemBackend();
  readonly calls: Record<Method, number> = { create: 0, stat: 0, read: 0, write: 0, remove: 0, list: 0 };
  inFlight = 0;
  maxInFlight = 0;
  /** Milliseconds each call takes (real time), to let calls overlap. */
  delayMs = 0;
  /** Errors thrown by listings after yielding `listFailAfter` entries, one per listing. */
  readonly midListErrors: Error[] = [];
  listFailAfter = 0;
  private readonly failures: Record<Method, Error[]> = {
    create: [],
    stat: [],
    read: [],
    write: [],
    remove: [],
    list: [],
  };

  failNext(method: Method, err: Error, times = 1): void {
    for (let i = 0; i < times; i++) this.failures[method].push(err);
  }

  private async enter<T>(method: Method, fn: () => Promise<T>): Promise<T> {
    this.calls[method]++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      const err = this.failures[method].shift();
      if (err !== undefined) throw err;
      return await fn();
    } finally {
      this.inFlight--;
    }
  }

  create(): Promise<void> {
    return this.enter('create', () => this.inner.create());
  }
  stat(h: Handle): Promise<FileInfo> {
    return this.enter('stat', () => this.inner.stat(h));
  }
  read(h: Handle, offset?: number, length?: number): Promise<Buffer> {
    return this.enter('read', () => this.inner.read(h, offset, length));
  }
  write(h: Handle, data: Uint8Array): Promise<void> {
    return this.enter('write', () => this.inner.write(h, data));
  }
  remove(h: Handle): Promise<void> {
    return this.enter('remove', () => this.inner.remove(h));
  }
  async *list(type: FileType): AsyncIterable<FileInfo> {
    const all = await this.enter('list', async () => {
      const out: FileInfo[] = [];
      for await (const fi of this.inner.list(type)) out.push(fi);
      return out;
    });
    let n = 0;
    for (const fi of all) {
      if (n++ === this.listFailAfter) {
        const err = this.midListErrors.shift();
        if (err !== undefined) throw err;
      }
      yield fi;
    }
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export const name = (i: number): string => i.toString(16).padStart(64, '0');

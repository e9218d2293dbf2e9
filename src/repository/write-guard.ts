import type { Backend, FileInfo, Handle } from '../backend/index.js';
import type { FileType } from '../core/index.js';

/**
 * The backend as a repository writes through it. Once stopped (its lock was lost), nothing but lock files may be
 * written or removed: another process may already rely on the repository being left alone.
 */
export class WriteGuard implements Backend {
  readonly location: string;
  readonly connections?: number;
  private reason: Error | undefined;

  constructor(private readonly inner: Backend) {
    this.location = inner.location;
    if (inner.connections !== undefined) this.connections = inner.connections;
  }

  /** From now on writes fail with `reason` (the first one given). */
  stop(reason: unknown): void {
    this.reason ??= reason instanceof Error ? reason : new Error(String(reason));
  }

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  create(): Promise<void> {
    return this.inner.create();
  }

  list(type: FileType): AsyncIterable<FileInfo> {
    return this.inner.list(type);
  }

  stat(handle: Handle): Promise<FileInfo> {
    return this.inner.stat(handle);
  }

  read(handle: Handle, offset?: number, length?: number): Promise<Buffer> {
    return this.inner.read(handle, offset, length);
  }

  async write(handle: Handle, data: Uint8Array): Promise<void> {
    this.check(handle);
    return this.inner.write(handle, data);
  }

  async remove(handle: Handle): Promise<void> {
    this.check(handle);
    return this.inner.remove(handle);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private check(handle: Handle): void {
    if (this.reason !== undefined && handle.type !== 'locks') throw this.reason;
  }
}

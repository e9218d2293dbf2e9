import type { FileType } from '../core/index.js';
import type { Backend, FileInfo, Handle } from './backend.js';

/**
 * A Backend whose implementation loads on first use. Remote backends bring heavy dependencies (the AWS SDK alone
 * takes about 250 ms to load, ssh2 about 100 ms), which every command on a local repository would otherwise pay.
 */
export class LazyBackend implements Backend {
  readonly connections?: number;
  private loaded: Promise<Backend> | undefined;

  /** `connections` must be what the loaded backend will state (see Backend.connections). */
  constructor(
    readonly location: string,
    connections: number | undefined,
    private readonly load: () => Promise<Backend>,
  ) {
    if (connections !== undefined) this.connections = connections;
  }

  private backend(): Promise<Backend> {
    return (this.loaded ??= this.load());
  }

  async create(): Promise<void> {
    return (await this.backend()).create();
  }

  async *list(type: FileType): AsyncIterable<FileInfo> {
    yield* (await this.backend()).list(type);
  }

  async stat(handle: Handle): Promise<FileInfo> {
    return (await this.backend()).stat(handle);
  }

  async read(handle: Handle, offset?: number, length?: number): Promise<Buffer> {
    return (await this.backend()).read(handle, offset, length);
  }

  async write(handle: Handle, data: Uint8Array): Promise<void> {
    return (await this.backend()).write(handle, data);
  }

  async remove(handle: Handle): Promise<void> {
    return (await this.backend()).remove(handle);
  }

  async close(): Promise<void> {
    // Never used: nothing was loaded, nothing to release.
    if (this.loaded !== undefined) await (await this.loaded).close();
  }
}

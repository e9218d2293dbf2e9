import type { FileType } from '../../core/index.js';
import { CairnError } from '../../core/index.js';
import { Semaphore } from '../../util/index.js';
import type { Backend, FileInfo, Handle, ObjectStore } from '../backend.js';
import type { Timer } from './timer.js';
import { realTimer } from './timer.js';
import { TokenBucket } from './token-bucket.js';

export interface LimitOptions {
  /** Backend calls in flight at once (read, write, stat, remove, create, one step of a listing). */
  connections?: number;
  /** Average upload rate (bytes written), like restic's --limit-upload. */
  uploadBytesPerSecond?: number;
  /** Average download rate (bytes read), like restic's --limit-download. */
  downloadBytesPerSecond?: number;
  /** Injected for tests. */
  timer?: Timer;
}

function checkLimit(name: string, value: number | undefined): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (!Number.isFinite(value) || value < 0) {
    throw new CairnError('invalid-argument', `The ${name} limit must be a positive number, not ${value}.`);
  }
  return value;
}

/**
 * Bounds concurrency and bandwidth of a backend. A listing takes a connection only while it fetches its next entry,
 * never while the caller works on one, so a caller that reads files inside a listing loop cannot deadlock. Without
 * limits the backend is returned as it is.
 */
export function withLimits(backend: Backend, opts: LimitOptions = {}): Backend {
  const connections = checkLimit('connections', opts.connections);
  const up = checkLimit('upload', opts.uploadBytesPerSecond);
  const down = checkLimit('download', opts.downloadBytesPerSecond);
  if (connections === undefined && up === undefined && down === undefined) return backend;
  const timer = opts.timer ?? realTimer;
  return new LimitedBackend(
    backend,
    connections === undefined ? undefined : new Semaphore(Math.max(1, Math.floor(connections))),
    up === undefined ? undefined : new TokenBucket(up, timer),
    down === undefined ? undefined : new TokenBucket(down, timer),
  );
}

class LimitedBackend implements Backend {
  readonly connections?: number;
  constructor(
    private readonly inner: Backend,
    private readonly slots: Semaphore | undefined,
    private readonly upload: TokenBucket | undefined,
    private readonly download: TokenBucket | undefined,
  ) {
    // A connection limit caps the parallelism the backend states (and stands in for it when it states none).
    const limit = slots?.limit;
    const own = inner.connections;
    const connections = limit === undefined ? own : Math.min(own ?? limit, limit);
    if (connections !== undefined) this.connections = connections;
  }

  get location(): string {
    return this.inner.location;
  }

  private slot<T>(task: () => Promise<T>): Promise<T> {
    return this.slots ? this.slots.run(task) : task();
  }

  create(): Promise<void> {
    return this.slot(() => this.inner.create());
  }

  stat(handle: Handle): Promise<FileInfo> {
    return this.slot(() => this.inner.stat(handle));
  }

  async read(handle: Handle, offset?: number, length?: number): Promise<Buffer> {
    // A known size is paid for before the transfer; an open-ended read once its size is known.
    if (length !== undefined) await this.download?.take(length);
    const data = await this.slot(() => this.inner.read(handle, offset, length));
    if (length === undefined) await this.download?.take(data.length);
    return data;
  }

  async write(handle: Handle, data: Uint8Array): Promise<void> {
    await this.upload?.take(data.length);
    await this.slot(() => this.inner.write(handle, data));
  }

  remove(handle: Handle): Promise<void> {
    return this.slot(() => this.inner.remove(handle));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async *list(type: FileType): AsyncIterable<FileInfo> {
    const it = this.inner.list(type)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const step = await this.slot(() => it.next());
        if (step.done) return;
        yield step.value;
      }
    } finally {
      await it.return?.();
    }
  }
}

/**
 * An ObjectStore whose uploads keep to an average rate (a job's `limit_upload` for its archives): the body is let
 * through chunk by chunk as the bucket allows. Without a limit the store is returned as it is.
 */
export function withUploadLimit(
  store: ObjectStore,
  uploadBytesPerSecond: number | undefined,
  timer: Timer = realTimer,
): ObjectStore {
  const up = checkLimit('upload', uploadBytesPerSecond);
  if (up === undefined) return store;
  const bucket = new TokenBucket(up, timer);
  async function* paced(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of body) {
      await bucket.take(chunk.byteLength);
      yield chunk;
    }
  }
  return {
    location: store.location,
    put: (name, body, signal) => store.put(name, paced(body), signal),
    list: () => store.list(),
    remove: (name) => store.remove(name),
    close: () => store.close(),
  };
}

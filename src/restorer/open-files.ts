import { readFileSync } from 'node:fs';
import type { FileTask } from './pack-plan.js';
import { FdFile } from './safe-fs.js';

/** Most restored files open at once, whatever the descriptor limit: enough to keep the workers busy. */
const MAX_OPEN = 256;
/** Used when the limit cannot be read (not Linux). */
const FALLBACK_OPEN = 128;

/**
 * How many restored files may be open at once: a quarter of the soft descriptor limit (the rest is for Node, the
 * workers, pack reads and the cache), at most 256 and at least 8.
 */
export function openFileBudget(limitsText?: string): number {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return FALLBACK_OPEN;
    }
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (soft === undefined) return FALLBACK_OPEN;
  if (soft === 'unlimited') return MAX_OPEN;
  return Math.max(8, Math.min(MAX_OPEN, Math.floor(Number(soft) / 4) || FALLBACK_OPEN));
}

/**
 * The open files of a restore, never more than `capacity`. A file with a write planned or in flight is pinned; an
 * open file waiting for more of its blobs is idle and the least recently used idle one is closed to make room (it is
 * reopened for its next write). Callers never wait for room while they hold pins of writes not yet sent, so every
 * wait ends when a sent write comes back.
 */
export class OpenFiles {
  private count = 0;
  /** Open files without a write in flight, least recently used first. */
  private readonly idle = new Set<FileTask>();
  private waiters: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  /**
   * Pins `task`'s file for a write, opening it (created on its first open) if needed; undefined when that needs a
   * descriptor and all of them are pinned. @throws the error of opening it
   */
  async pin(task: FileTask): Promise<FdFile | undefined> {
    if (task.fh === undefined) {
      if (this.count >= this.capacity && !this.evictOne()) return undefined;
      this.count++;
      const identity = task.identity;
      const fh = identity === undefined ? FdFile.create(task.path) : Promise.resolve().then(() => FdFile.reopen(task.path, identity));
      task.fh = fh;
      fh.then(
        (h) => {
          if (task.fh === fh) task.opened = h;
        },
        () => {
          if (task.fh !== fh) return;
          task.fh = undefined;
          this.count--;
          this.wake();
        },
      );
    }
    this.idle.delete(task);
    task.writing++;
    try {
      return await task.fh;
    } catch (err) {
      task.writing--;
      throw err;
    }
  }

  /** Pins `task`'s file, waiting for room. Only for callers that hold no pins of unsent writes. */
  async pinWaiting(task: FileTask): Promise<FdFile> {
    for (;;) {
      const fh = await this.pin(task);
      if (fh !== undefined) return fh;
      await this.wait();
    }
  }

  /** Resolves when a descriptor may have become free (then try `pin` again). */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A write to `task`'s file is over (made, failed or dropped). */
  unpin(task: FileTask): void {
    if (--task.writing > 0 || task.fh === undefined) return;
    this.idle.add(task);
    this.wake();
  }

  /** Closes `task`'s file if no write to it is planned or in flight (a finished or failed file). */
  async close(task: FileTask): Promise<void> {
    if (task.fh === undefined || task.writing > 0) return;
    const fh = task.fh;
    this.forget(task);
    await fh.then((h) => h.close()).catch(() => undefined);
  }

  /** After an interruption or a fatal error: closes whatever is still open (no write may be in flight). */
  async closeAll(tasks: readonly FileTask[]): Promise<void> {
    for (const task of tasks) {
      task.writing = 0;
      await this.close(task);
    }
  }

  private forget(task: FileTask): void {
    task.fh = undefined;
    task.opened = undefined;
    this.idle.delete(task);
    this.count--;
    this.wake();
  }

  /** Closes the least recently used idle file, remembering which file it was. */
  private evictOne(): boolean {
    for (const task of this.idle) {
      const file = task.opened;
      if (file === undefined) continue;
      task.identity = file.identity();
      this.forget(task);
      file.close();
      return true;
    }
    return false;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

import { CairnError } from '../../core/index.js';
import type { DirEntry, OpenStream, Source, SourceError, SourceListing, StreamEntry, SymlinkEntry } from '../source.js';

/**
 * A source of one stream entry in the root tree: `filename` holding what `start` produces. Its metadata is restic's
 * for stdin: mode 0644 and the process's uid/gid; the times are left to the archiver ("when it was read").
 */
export class StreamSource implements Source {
  readonly paths: readonly string[];
  private readonly entry: StreamEntry;
  private opened = false;

  constructor(
    filename: string,
    start: (signal: AbortSignal) => OpenStream,
    private readonly stop: () => void = () => undefined,
  ) {
    this.paths = ['/' + filename];
    const entry: StreamEntry = {
      kind: 'stream',
      name: filename,
      path: '/' + filename,
      mode: 0o644,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      open: (signal) => {
        if (this.opened) throw new CairnError('fatal', `The stream ${filename} can be read only once.`);
        this.opened = true;
        return start(signal);
      },
    };
    this.entry = entry;
  }

  async roots(): Promise<SourceListing> {
    return { entries: [this.entry], errors: [] };
  }

  /** There are no folders in this source. */
  async list(_dir: DirEntry): Promise<SourceListing> {
    return { entries: [], errors: [] };
  }

  /** There are no symlinks in this source. */
  async readLink(entry: SymlinkEntry): Promise<string | SourceError> {
    return { item: entry.path, during: 'readlink', message: `${entry.path} is not a symlink of this source.` };
  }

  async close(): Promise<void> {
    this.stop();
  }
}

/**
 * Passes `input` on as bytes; `done` resolves once it was read to its end and rejects when reading it failed or
 * stopped early.
 */
export function watchStream(input: AsyncIterable<Uint8Array | string>): OpenStream {
  let settle!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  // The archiver awaits `done`; an early rejection must not count as unhandled meanwhile.
  done.catch(() => undefined);
  async function* pump(): AsyncGenerator<Uint8Array> {
    try {
      for await (const piece of input) yield typeof piece === 'string' ? Buffer.from(piece) : piece;
      settle();
    } catch (err) {
      settle(err instanceof Error ? err : new Error(String(err)));
      throw err;
    } finally {
      settle(new CairnError('interrupted', 'The stream was not read to its end.'));
    }
  }
  return { stream: pump(), done };
}

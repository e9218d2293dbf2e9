import type { RunningCommand } from '../child.js';
import type { DirEntry, Source, SourceDescription, SourceError, SourceListing, StreamEntry, SymlinkEntry } from '../source.js';
import { sortedListing, streamEntry } from '../virtual.js';

/** One file of a dump source: its name and the program that writes it. */
export interface DumpStream {
  name: string;
  start(signal: AbortSignal): RunningCommand;
}

/** What a probe of the server found: its version, the dump tool's, and the files to write. */
export interface ServerInfo {
  server: string;
  tool: string;
  streams: DumpStream[];
}

/** One kind of database server (MariaDB/MySQL, PostgreSQL). */
export interface DumpDriver {
  kind: string;
  /** The URI without its password. */
  from: string;
  /**
   * Connects once before anything is dumped, so a wrong password, an unreachable server or a missing database stops
   * the backup with one sentence before it starts. @throws CairnError.
   */
  probe(signal?: AbortSignal): Promise<ServerInfo>;
}

/**
 * A database server as a Source: one stream entry per database, each a dump tool's output streamed into the
 * repository (no temporary file). A tool that fails, even half-way, rejects its stream's `done`, so no snapshot is
 * written.
 */
export class DumpSource implements Source {
  readonly paths: readonly string[];
  private info: ServerInfo | undefined;
  private readonly running = new Set<RunningCommand>();

  constructor(
    private readonly driver: DumpDriver,
    database: string | undefined,
    extension: string,
  ) {
    this.paths = [database === undefined ? '/' : `/${database}${extension}`];
  }

  async roots(signal?: AbortSignal): Promise<SourceListing> {
    const info = (this.info = await this.driver.probe(signal));
    return sortedListing(info.streams.map((s) => this.entry(s)));
  }

  private entry(s: DumpStream): StreamEntry {
    return streamEntry(s.name, `/${s.name}`, (signal) => {
      const run = s.start(signal);
      this.running.add(run);
      void run.done.then(
        () => this.running.delete(run),
        () => this.running.delete(run),
      );
      return run;
    });
  }

  /** There are no folders in a dump source. */
  async list(_dir: DirEntry): Promise<SourceListing> {
    return { entries: [], errors: [] };
  }

  async readLink(entry: SymlinkEntry): Promise<string | SourceError> {
    return { item: entry.path, during: 'readlink', message: `${entry.path} is not a symlink of this source.` };
  }

  describe(): SourceDescription[] {
    const d: SourceDescription = { kind: this.driver.kind, from: this.driver.from, paths: this.info?.streams.map((s) => `/${s.name}`) ?? [...this.paths] };
    if (this.info !== undefined) {
      d.server = this.info.server;
      d.tool = this.info.tool;
    }
    return [d];
  }

  async close(): Promise<void> {
    for (const r of this.running) r.kill();
  }
}

/**
 * One open repository per configured repository for the API's reads: the key is derived once (scrypt), the index
 * and the snapshot list are brought up to date by listing their folders on each read and loading only what is new.
 * No lock is held, ever (reads are `--no-lock`): a run that writes is never held up. A reader never sees the index
 * shrink under it: new index files are added in place, but index files that went away (a prune) open a fresh
 * generation whose index is loaded whole, while the reads under way finish on the old one.
 */
import type { AppDeps, OpenOptions, SharedRepository } from '../app/index.js';
import { openRepository, skipDamagedSnapshots } from '../app/index.js';
import type { CairnConfig } from '../config/index.js';
import type { StoredSnapshot } from '../core/index.js';
import { isCairnError } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { listSnapshots } from '../snapshot/index.js';

/** An unused session closes its repository after this long: an index can be big, a connection can go stale. */
const IDLE_MS = 5 * 60_000;

/** The app's dependencies and open options of one repository, for a session's own open. */
export type OpenAccess = (repository: string, signal: AbortSignal) => { deps: AppDeps; opts: OpenOptions };

interface Generation {
  repo: Repository;
  /** The index files loaded; undefined until a read wanted the index. */
  index?: Set<string>;
  readers: number;
  /** No longer handed to new reads; closed when the last read under way ends. */
  retired: boolean;
  closed: boolean;
}

async function listNames(repo: Repository, type: 'index' | 'snapshots'): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const f of repo.list(type)) names.add(f.name);
  return names;
}

const sameSet = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

/** The open repository of one configured repository; opened on the first read, never locked. */
export class ReadSession implements SharedRepository {
  private current: Generation | undefined;
  /** The one open or refresh under way: reads arriving meanwhile wait for it instead of doing it again. */
  private pending: Promise<Generation> | undefined;
  private queued: Promise<Generation> | undefined;
  private snapshots: { ids: Set<string>; list: StoredSnapshot[] } | undefined;
  private readonly closing = new AbortController();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly name: string,
    private readonly access: OpenAccess,
    /** The repository's settings when it was opened: a reload that changes them closes the session. */
    readonly settings: string,
    private readonly idleMs = IDLE_MS,
  ) {}

  async use<T>(fn: (repo: Repository) => Promise<T>, { index }: { index: boolean }): Promise<T> {
    let gen = await this.ready(index);
    while (gen.closed) gen = await this.ready(index);
    gen.readers++;
    try {
      return await fn(gen.repo);
    } catch (err) {
      // Storage that failed or refused us: the next read starts from a fresh connection.
      if (isCairnError(err, 'unavailable') || isCairnError(err, 'access-denied')) this.retire(gen);
      throw err;
    } finally {
      gen.readers--;
      await this.closeIfDone(gen);
      this.armIdle();
    }
  }

  /** The snapshots, oldest first; only a changed set of snapshot files is read again. */
  listSnapshots(): Promise<StoredSnapshot[]> {
    return this.use(
      async (repo) => {
        const ids = await listNames(repo, 'snapshots');
        if (this.snapshots && sameSet(this.snapshots.ids, ids)) return this.snapshots.list;
        const { deps } = this.access(this.name, this.closing.signal);
        const list = await listSnapshots(
          repo,
          skipDamagedSnapshots((m) => deps.warn(m)),
        );
        this.snapshots = { ids: new Set(list.map((s) => s.id)), list };
        return list;
      },
      { index: false },
    );
  }

  /** Closes the repository once the reads under way are done; the session is not used again. */
  async close(): Promise<void> {
    this.closing.abort();
    clearTimeout(this.idleTimer);
    const gen = this.current;
    if (gen) this.retire(gen);
    if (gen) await this.closeIfDone(gen);
  }

  /** No longer hands out `gen`; it closes when its last read ends. */
  private retire(gen: Generation): void {
    gen.retired = true;
    if (this.current === gen) this.current = undefined;
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      const gen = this.current;
      if (gen === undefined || gen.readers > 0 || this.pending) return;
      this.retire(gen);
      void this.closeIfDone(gen);
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private ready(index: boolean): Promise<Generation> {
    if (this.current && !this.current.retired && !index) return Promise.resolve(this.current);
    if (!this.pending) return this.start(index);
    // One that started before this read arrived may have listed before a change: one more follows it, shared.
    this.queued ??= this.pending
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start(true);
      });
    return this.queued;
  }

  private start(index: boolean): Promise<Generation> {
    const p = this.refresh(index).finally(() => {
      if (this.pending === p) this.pending = undefined;
    });
    this.pending = p;
    return p;
  }

  private async refresh(index: boolean): Promise<Generation> {
    let gen = this.current ?? (await this.open());
    if (!index) return gen;
    const listed = await listNames(gen.repo, 'index');
    if (gen.index && [...gen.index].some((id) => !listed.has(id))) {
      // Index files went away: the reads under way keep their generation, later ones get a new one.
      this.retire(gen);
      await this.closeIfDone(gen);
      gen = await this.open();
    }
    if (gen.index && sameSet(gen.index, listed)) return gen;
    // Listed before loading: a file that appears in between is loaded now and seen as new next time (harmless).
    await gen.repo.loadIndex();
    gen.index = listed;
    return gen;
  }

  private async open(): Promise<Generation> {
    this.current = undefined;
    const { deps, opts } = this.access(this.name, this.closing.signal);
    const { repo } = await openRepository(deps, opts);
    const gen: Generation = { repo, readers: 0, retired: false, closed: false };
    if (this.closing.signal.aborted) {
      await repo.close();
      throw this.closing.signal.reason as Error;
    }
    this.current = gen;
    return gen;
  }

  private async closeIfDone(gen: Generation): Promise<void> {
    if (!gen.retired || gen.readers > 0 || gen.closed) return;
    gen.closed = true;
    await gen.repo.close().catch(() => undefined);
  }
}

/** The read sessions of the config's repositories. */
export class ReadSessions {
  private readonly sessions = new Map<string, ReadSession>();

  constructor(private readonly access: OpenAccess) {}

  /** The session of a repository of `config`, opened on its first read. */
  get(config: CairnConfig, name: string): ReadSession {
    const settings = JSON.stringify(config.repositories[name]);
    let s = this.sessions.get(name);
    if (s?.settings !== settings) {
      if (s) void s.close();
      s = new ReadSession(name, this.access, settings);
      this.sessions.set(name, s);
    }
    return s;
  }

  /** Closes the sessions of repositories the new config removed or changed (a new password is checked anew). */
  async reconfigure(config: CairnConfig): Promise<void> {
    for (const [name, s] of this.sessions) {
      if (JSON.stringify(config.repositories[name]) === s.settings) continue;
      this.sessions.delete(name);
      await s.close();
    }
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.close()));
  }
}

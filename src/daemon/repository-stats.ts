/**
 * The repositories' figures (snapshots, stored, raw and restore sizes) as the dashboard and /metrics show them:
 * computed off the request path at start and after each run that changes a repository, one refresh at a time per
 * repository (a refresh asked for meanwhile runs once after it), each appended to the history.
 */
import type { RepositoryFigures } from '../app/index.js';
import type { Repository } from '../api/index.js';
import type { CairnConfig } from '../config/index.js';
import { isCairnError } from '../core/index.js';
import { maskCredentials } from '../util/index.js';
import { errorMessageOf } from './errors.js';

interface Entry {
  figures?: RepositoryFigures;
  at?: number;
  error?: string;
}

export interface StatsSource {
  compute(repository: string, signal: AbortSignal): Promise<RepositoryFigures>;
  record(repository: string, at: number, figures: RepositoryFigures): void;
  now(): number;
  warn(repository: string, message: string): void;
}

export class RepositoryStatsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly busy = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly stopping = new AbortController();

  constructor(private readonly source: StatsSource) {}

  figures(repository: string): RepositoryFigures | undefined {
    return this.entries.get(repository)?.figures;
  }

  /** The repository as GET /repositories shows it; null figures until the first refresh finished. */
  view(config: CairnConfig, name: string): Repository {
    const e = this.entries.get(name) ?? {};
    const f = e.figures;
    return {
      name,
      url: maskCredentials(config.repositories[name]?.url ?? ''),
      snapshots: f?.snapshots ?? null,
      storedBytes: f?.storedBytes ?? null,
      rawBytes: f?.rawBytes ?? null,
      restoreBytes: f?.restoreBytes ?? null,
      dedupRatio: f && f.storedBytes > 0 ? f.restoreBytes / f.storedBytes : null,
      updatedAt: e.at === undefined ? null : new Date(e.at).toISOString(),
      error: e.error ?? null,
    };
  }

  /** Refreshes the repository's figures; resolves when the refresh (and one asked for meanwhile) is done. */
  refresh(repository: string): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    const running = this.busy.get(repository);
    if (running) {
      this.again.add(repository);
      return running;
    }
    const p = this.compute(repository).finally(() => {
      this.busy.delete(repository);
      if (this.again.delete(repository)) void this.refresh(repository);
    });
    this.busy.set(repository, p);
    return p;
  }

  /** Waits for the refreshes under way (tests). */
  async settled(): Promise<void> {
    while (this.busy.size > 0) await Promise.allSettled([...this.busy.values()]);
  }

  /** Aborts the refreshes under way and waits for them to end (the daemon stops). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.settled();
  }

  private async compute(repository: string): Promise<void> {
    const entry = this.entries.get(repository) ?? {};
    this.entries.set(repository, entry);
    try {
      const figures = await this.source.compute(repository, this.stopping.signal);
      entry.figures = figures;
      entry.at = this.source.now();
      delete entry.error;
      this.source.record(repository, entry.at, figures);
    } catch (err) {
      if (this.stopping.signal.aborted) return;
      // Not created yet (the first backup creates it): no figures, and nothing wrong. One that vanished is an error.
      if (entry.figures === undefined && isCairnError(err, 'repository-not-found')) return;
      entry.error = errorMessageOf(err);
      entry.at = this.source.now();
      this.source.warn(repository, `cannot refresh the figures of ${repository}: ${entry.error}`);
    }
  }
}

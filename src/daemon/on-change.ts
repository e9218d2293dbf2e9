/**
 * `schedule: { on_change: { quiet: 30s } }`: watches a job's local sources (recursively, fs.watch) and calls back
 * once nothing changed for the quiet period, so a burst of changes makes one run. Source URIs are not watched.
 */
import fs from 'node:fs';
import type { JobConfig } from '../config/index.js';
import { durationMs, localSources } from '../config/index.js';

export class ChangeWatch {
  private readonly watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    job: JobConfig,
    private readonly onQuiet: () => void,
    warn: (message: string) => void,
  ) {
    const quietMs = durationMs(job.schedule.on_change!.quiet)!;
    const changed = (): void => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.onQuiet();
      }, quietMs);
    };
    for (const p of localSources(job.sources)) {
      try {
        const w = fs.watch(p, { recursive: fs.statSync(p).isDirectory(), persistent: false }, changed);
        w.on('error', (err) => warn(`stopped watching ${p}: ${err.message}`));
        this.watchers.push(w);
      } catch (err) {
        warn(`cannot watch ${p} for changes: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
  }
}

import type { ScanTotals } from '../source.js';
import type { Excluder } from './exclude.js';
import { listDir, lstatEntry } from './walk.js';

/**
 * A fast counting walk for progress totals and ETA (restic's scanner): the same excludes as the backup, no reading.
 * `onUpdate` is called after each folder with the running totals. Errors are ignored; the backup reports them.
 */
export async function scanTotals(
  roots: readonly string[],
  excluder: Excluder,
  onUpdate: (t: ScanTotals) => void,
  signal?: AbortSignal,
): Promise<ScanTotals> {
  const totals: ScanTotals = { files: 0, dirs: 0, bytes: 0 };
  const walk = async (dir: string, dev: bigint): Promise<void> => {
    if (signal?.aborted) return;
    const { entries } = await listDir(dir, excluder, dev);
    const subdirs: string[] = [];
    for (const e of entries) {
      if (e.stat.isDirectory()) {
        totals.dirs++;
        if (!excluder.oneFileSystem || e.stat.dev === dev) subdirs.push(e.path);
      } else if (e.stat.isFile()) {
        totals.files++;
        totals.bytes += Number(e.stat.size);
      }
    }
    onUpdate(totals);
    for (const d of subdirs) await walk(d, dev);
  };
  for (const root of roots) {
    const st = await lstatEntry(root);
    if ('item' in st || excluder.excludedByName(root)) continue;
    if (st.isDirectory()) {
      totals.dirs++;
      await walk(root, st.dev);
    } else if (st.isFile()) {
      totals.files++;
      totals.bytes += Number(st.size);
    }
  }
  onUpdate(totals);
  return totals;
}

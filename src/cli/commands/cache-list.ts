/** `cairn cache`: the cache folders of all repositories, and removing old ones (restic's `cache`). */
import type { Command } from 'commander';
import { CACHE_MAX_AGE_DAYS, ageDays, isOld, listCacheDirs, removeOldCacheDirs } from '../../app/index.js';
import { CairnError } from '../../core/index.js';
import { formatBytes } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { parsePositiveInt } from '../parse.js';
import type { CliRuntime } from '../runtime.js';

interface CacheFlags {
  cleanup?: boolean;
  maxAge: string;
  size: boolean;
}

export function registerCache(program: Command, rt: CliRuntime): void {
  program
    .command('cache')
    .description('list the cache folders of all repositories, or remove old ones')
    .option('--cleanup', 'remove old cache folders')
    .option('--max-age <days>', 'age in days after which a cache folder is old', String(CACHE_MAX_AGE_DAYS))
    .option('--no-size', 'do not compute the size of each folder')
    .action(async (flags: CacheFlags, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const base = ctx.cacheDir();
        if (base === undefined) throw new CairnError('invalid-argument', 'No cache folder with --no-cache.');
        const maxAge = parsePositiveInt(flags.maxAge, '--max-age');
        const now = ctx.io.clock.now();
        if (flags.cleanup === true) {
          const n = await removeOldCacheDirs(base, maxAge, now);
          ctx.print(n === 0 ? 'no old cache dirs found' : `remove ${n} old cache directories`);
          return;
        }
        const dirs = await listCacheDirs(base, flags.size);
        if (dirs.length === 0) {
          ctx.print(`no cache dirs found, basedir is ${base}`);
          return;
        }
        const titles = ['Repo ID', 'Last Used', 'Old', ...(flags.size ? ['Size'] : [])];
        const rows = dirs.map((d) => [
          d.id.slice(0, 10),
          `${ageDays(d.mtimeMs, now)} days ago`,
          isOld(d.mtimeMs, maxAge, now) ? 'yes' : '',
          ...(d.size !== undefined ? [formatBytes(d.size).padStart(11)] : []),
        ]);
        ctx.write(
          renderTable(
            titles.map((title) => ({ title })),
            rows,
            `${dirs.length} cache dirs in ${base}`,
          ),
        );
      }),
    );
}

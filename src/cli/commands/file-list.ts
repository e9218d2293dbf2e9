/** `cairn ls SNAPSHOT [DIR…]`: list the entries of a snapshot. */
import type { Command } from 'commander';
import { listFiles } from '../../app/index.js';
import { formatGoTime } from '../output/format.js';
import { jsonLine, lsNodeJSON, lsSnapshotJSON } from '../output/json.js';
import { longNodeLine } from '../output/node-line.js';
import type { CliRuntime } from '../runtime.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

interface LsFlags extends FilterFlags {
  long?: boolean;
  recursive?: boolean;
}

export function registerLs(program: Command, rt: CliRuntime): void {
  addSnapshotFilterOptions(
    program
      .command('ls')
      .description('list files and folders in a snapshot')
      .argument('<snapshot>', "snapshot id, unique prefix or 'latest'")
      .argument('[dirs...]', 'only list these folders (recursively with --recursive)')
      .option('-l, --long', 'long listing: mode, owner, size, time')
      .option('--recursive', 'descend into the given folders'),
    "snapshots for 'latest'",
  ).action(async (snapshot: string, dirs: string[], flags: LsFlags, cmd: Command) =>
    rt.run(cmd, async (ctx) => {
      const req: Parameters<typeof listFiles>[2] = { snapshot, dirs, filter: filterFrom(flags) };
      if (flags.recursive === true) req.recursive = true;
      await listFiles(ctx.deps(), await ctx.openOptions(), req, {
        onSnapshot: (s) => {
          if (ctx.json) ctx.write(jsonLine(lsSnapshotJSON(s)));
          // restic's header line, word for word (its stray ')' included): scripts skip it with `tail -n +2`.
          else
            ctx.print(
              `snapshot ${s.id.slice(0, 8)} of [${s.paths.join(' ')}] filtered by [${dirs.join(' ')}] at ${formatGoTime(s.time)}):`,
            );
        },
        onNode: (path, node) => {
          if (ctx.json) ctx.write(jsonLine(lsNodeJSON(path, node)));
          else ctx.write(`${flags.long === true ? longNodeLine(path, node) : path}\n`);
        },
      });
    }),
  );
}

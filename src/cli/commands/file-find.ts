/** `cairn find PATTERN…`: find entries by name in snapshots. */
import type { Command } from 'commander';
import type { FindMatch } from '../../app/index.js';
import { findFiles } from '../../app/index.js';
import { formatLocalTime } from '../output/format.js';
import { findNodeJSON, jsonLine } from '../output/json.js';
import { longNodeLine } from '../output/node-line.js';
import { collect } from '../parse.js';
import type { CliRuntime } from '../runtime.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

interface FindFlags extends FilterFlags {
  snapshot: string[];
  ignoreCase?: boolean;
  long?: boolean;
}

export function registerFind(program: Command, rt: CliRuntime): void {
  addSnapshotFilterOptions(
    program
      .command('find')
      .description('find files and folders by name pattern in snapshots')
      .argument(
        '<patterns...>',
        "patterns as restic's (*, ?, [...], **): 'name', 'dir/name*' anywhere, '/abs/path/*' from the root",
      )
      .option('-s, --snapshot <id>', 'search only this snapshot (repeatable)', collect, [])
      .option('-i, --ignore-case', 'ignore case in patterns')
      .option('-l, --long', 'long listing'),
  ).action(async (patterns: string[], flags: FindFlags, cmd: Command) =>
    rt.run(cmd, async (ctx) => {
      const groups: { snapshot: string; matches: Record<string, unknown>[] }[] = [];
      let current: string | undefined;
      const onMatch = (m: FindMatch): void => {
        if (ctx.json) {
          let group = groups.at(-1);
          if (group?.snapshot !== m.snapshot.id) {
            group = { snapshot: m.snapshot.id, matches: [] };
            groups.push(group);
          }
          group.matches.push(findNodeJSON(m.path, m.node));
          return;
        }
        if (current !== m.snapshot.id) {
          if (current !== undefined) ctx.write('\n');
          current = m.snapshot.id;
          ctx.write(
            `Found matching entries in snapshot ${m.snapshot.id.slice(0, 8)} from ${formatLocalTime(m.snapshot.time)}\n`,
          );
        }
        ctx.write(`${flags.long === true ? longNodeLine(m.path, m.node) : m.path}\n`);
      };
      const req: Parameters<typeof findFiles>[2] = {
        patterns,
        snapshots: flags.snapshot,
        filter: filterFrom(flags),
      };
      if (flags.ignoreCase === true) req.ignoreCase = true;
      await findFiles(ctx.deps(), await ctx.openOptions(), req, onMatch);
      if (ctx.json) {
        ctx.write(
          jsonLine(groups.map((g) => ({ matches: g.matches, hits: g.matches.length, snapshot: g.snapshot }))),
        );
      }
    }),
  );
}

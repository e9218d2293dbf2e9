/** `cairn snapshots [ID…]`: list snapshots as restic's table or JSON, optionally grouped. */
import type { Command } from 'commander';
import type { GroupBy } from '../../app/index.js';
import { groupSnapshots, listSnapshotsUseCase, parseGroupBy, sortedNames } from '../../app/index.js';
import type { StoredSnapshot } from '../../core/index.js';
import { jsonLine, snapshotJSON } from '../output/json.js';
import { groupHeader, snapshotTable } from '../output/snapshot-table.js';
import { parsePositiveInt } from '../parse.js';
import type { CliRuntime } from '../runtime.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

interface SnapshotsFlags extends FilterFlags {
  latest?: string;
  compact?: boolean;
  groupBy: string;
}

/** restic's listing sorts each snapshot's paths (and tags, when grouped by them) in place, so it shows them sorted. */
function asGrouped(s: StoredSnapshot, by: GroupBy): StoredSnapshot {
  const out = { ...s, paths: sortedNames(s.paths) };
  if (by.tags && s.tags !== undefined) out.tags = sortedNames(s.tags);
  return out;
}

const grouping = (by: GroupBy): boolean => by.host || by.paths || by.tags;

export function registerSnapshots(program: Command, rt: CliRuntime): void {
  addSnapshotFilterOptions(
    program
      .command('snapshots')
      .description('list snapshots')
      .argument('[snapshot-ids...]', "only these snapshots (ids, unique prefixes or 'latest')"),
  )
    .option('--latest <n>', 'only the newest n snapshots of each host and path set')
    .option('-c, --compact', 'no paths, one tag a line')
    .option(
      '-g, --group-by <group>',
      "group by host, paths and/or tags, separated by commas ('' for none)",
      '',
    )
    .action(async (ids: string[], flags: SnapshotsFlags, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const by = parseGroupBy(flags.groupBy);
        const req: Parameters<typeof listSnapshotsUseCase>[2] = { filter: filterFrom(flags), ids };
        if (flags.latest !== undefined) req.latest = parsePositiveInt(flags.latest, '--latest');
        const snaps = (await listSnapshotsUseCase(ctx.deps(), await ctx.openOptions(), req)).map((s) =>
          asGrouped(s, by),
        );
        if (!grouping(by)) {
          if (ctx.json) ctx.write(jsonLine(snaps.map(snapshotJSON)));
          else if (snaps.length > 0) ctx.write(snapshotTable(snaps, { compact: flags.compact === true }));
          return;
        }
        const groups = groupSnapshots(snaps, by).map((g) => ({
          key: g.key,
          snapshots: g.snapshots.map((s) => asGrouped(s, by)),
        }));
        if (ctx.json) {
          const doc = groups.map((g) => ({
            group_key: { hostname: g.key.host, paths: g.key.paths ?? null, tags: g.key.tags ?? null },
            snapshots: g.snapshots.map(snapshotJSON),
          }));
          ctx.write(jsonLine(doc));
          return;
        }
        for (const g of groups) {
          ctx.write(
            `${groupHeader(g.key) ?? 'snapshots:'}\n${snapshotTable(g.snapshots, { compact: flags.compact === true })}`,
          );
        }
      }),
    );
}

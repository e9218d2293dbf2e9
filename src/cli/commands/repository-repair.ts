/** `cairn repair index|snapshots` (and `rebuild-index`, restic 0.14's name): restic's repair commands. */
import type { Command } from 'commander';
import type { RepairIndexResult, RepairSnapshotsRequest, RepairSnapshotsResult } from '../../app/index.js';
import { runRepairIndex, runRepairSnapshots } from '../../app/index.js';
import type { CommandContext } from '../context.js';
import type { CliRuntime } from '../runtime.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

const INDEX_DESCRIPTION = [
  'build a new index from the pack files',
  '',
  'Reads the header of every pack the index does not describe correctly (of every pack with --read-all-packs), ' +
    'writes new index files naming every readable pack, and only then deletes the old index files. A pack whose ' +
    'header cannot be read is named and left out of the index.',
].join('\n');

const SNAPSHOTS_DESCRIPTION = [
  'rewrite snapshots without the data that cannot be read',
  '',
  'A file whose content is partly missing keeps the parts that are there (it becomes shorter); a folder that ' +
    'cannot be read becomes empty; a snapshot whose root folder cannot be read is deleted. Each changed snapshot ' +
    'is saved anew, tagged "repaired" and naming the old one as its original; --forget deletes the old one ' +
    'instead of tagging. Run "repair index" first if an index file or pack is damaged. This loses the damaged data ' +
    'for good: if the files still exist, a new backup is the better repair.',
].join('\n');

async function repairIndexAction(ctx: CommandContext, flags: { readAllPacks?: boolean }): Promise<void> {
  const r = await runRepairIndex(ctx.deps(), await ctx.openOptions(), {
    readAllPacks: flags.readAllPacks === true,
    onStep: (m) => {
      if (!ctx.json) ctx.print(m);
    },
    onWarning: (m) => ctx.warn(m),
  });
  if (ctx.json) ctx.printJSON(repairIndexJSON(r));
}

export function repairIndexJSON(r: RepairIndexResult): Record<string, unknown> {
  return {
    message_type: 'summary',
    packs_read: r.packsRead,
    packs_added: r.added,
    packs_reindexed: r.reindexed,
    packs_missing: r.missing,
    packs_unreadable: r.unreadable,
    index_files_damaged: r.damagedIndexFiles,
    index_files_written: r.indexFiles.written,
    index_files_removed: r.indexFiles.removed,
  };
}

interface RepairSnapshotsFlags extends FilterFlags {
  forget?: boolean;
  dryRun?: boolean;
}

async function repairSnapshotsAction(ctx: CommandContext, refs: string[], flags: RepairSnapshotsFlags): Promise<void> {
  const req: RepairSnapshotsRequest = {
    snapshots: refs,
    filter: filterFrom(flags),
    onMessage: (m) => {
      if (!ctx.json) ctx.print(m);
    },
  };
  if (flags.forget === true) req.forget = true;
  if (flags.dryRun === true) req.dryRun = true;
  const r = await runRepairSnapshots(ctx.deps(), await ctx.openOptions(), req);
  if (ctx.json) ctx.printJSON(repairSnapshotsJSON(r));
}

export function repairSnapshotsJSON(r: RepairSnapshotsResult): Record<string, unknown> {
  return {
    message_type: 'summary',
    dry_run: r.dryRun,
    snapshots: r.snapshots.map((s) => ({ id: s.id, status: s.status, new_id: s.newId, changes: s.changes })),
  };
}

export function registerRepair(program: Command, rt: CliRuntime): void {
  const repair = program.command('repair').description('repair the index or snapshots');
  const index = (cmd: Command): Command =>
    cmd
      .option('--read-all-packs', 'read the header of every pack, not only of those the index does not describe')
      .action(async (flags: { readAllPacks?: boolean }, c: Command) => rt.run(c, (ctx) => repairIndexAction(ctx, flags)));
  index(repair.command('index').summary('build a new index from the pack files').description(INDEX_DESCRIPTION));
  index(program.command('rebuild-index').description('build a new index from the pack files (the same as "repair index")'));
  addSnapshotFilterOptions(
    repair
      .command('snapshots')
      .argument('[snapshot...]', 'snapshot ids or "latest" (default: all snapshots matching the filter)')
      .summary('rewrite snapshots without the data that cannot be read')
      .description(SNAPSHOTS_DESCRIPTION)
      .option('--forget', 'delete the original snapshots once their repaired copies are saved')
      .option('-n, --dry-run', 'only show what would change'),
  ).action(async (refs: string[], flags: RepairSnapshotsFlags, c: Command) =>
    rt.run(c, (ctx) => repairSnapshotsAction(ctx, refs, flags)),
  );
}

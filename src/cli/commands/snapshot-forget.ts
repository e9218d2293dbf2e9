/** `cairn forget`: remove snapshots by a retention policy (restic's --keep-* flags) or by id. */
import type { Command } from 'commander';
import type { ForgetOutcome, KeepReason, RetentionPolicy } from '../../app/index.js';
import {
  describePolicy,
  forgetSnapshots,
  parseGroupBy,
  parseRetentionDuration,
  sortedNames,
} from '../../app/index.js';
import type { StoredSnapshot } from '../../core/index.js';
import { shortId } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { jsonLine, snapshotDocJSON, snapshotJSON } from '../output/json.js';
import { groupHeader, snapshotTable as renderSnapshotTable } from '../output/snapshot-table.js';
import { collect, parseKeepCount, tagList } from '../parse.js';
import type { CliRuntime } from '../runtime.js';
import type { PruneFlags } from './repository-prune.js';
import { addPruneOptions, printPruneResult, pruneRequest } from './repository-prune.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

const DESCRIPTION = [
  'remove snapshots according to a policy',
  '',
  'Snapshots are first divided into groups by --group-by (host and paths by default); the --keep-* policy is then ' +
    'applied to each group on its own, deciding exactly as restic does: hours, days, ISO weeks, months and years ' +
    "are those of each snapshot's own time and UTC offset, and --keep-within* counts back from the newest snapshot, " +
    'not from now. Named snapshots are removed without a policy. Only the snapshot files are deleted; the data ' +
    'they referenced stays until prune.',
].join('\n');

interface ForgetFlags extends FilterFlags {
  keepLast?: string;
  keepHourly?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
  keepYearly?: string;
  keepWithin?: string;
  keepWithinHourly?: string;
  keepWithinDaily?: string;
  keepWithinWeekly?: string;
  keepWithinMonthly?: string;
  keepWithinYearly?: string;
  keepTag: string[];
  groupBy: string;
  dryRun?: boolean;
  prune?: boolean;
  compact?: boolean;
  allowEmpty?: boolean;
  unsafeAllowRemoveAll?: boolean;
}

const COUNTS = [
  ['keepLast', 'last', '--keep-last'],
  ['keepHourly', 'hourly', '--keep-hourly'],
  ['keepDaily', 'daily', '--keep-daily'],
  ['keepWeekly', 'weekly', '--keep-weekly'],
  ['keepMonthly', 'monthly', '--keep-monthly'],
  ['keepYearly', 'yearly', '--keep-yearly'],
] as const;

const DURATIONS = [
  ['keepWithin', 'within', '--keep-within'],
  ['keepWithinHourly', 'withinHourly', '--keep-within-hourly'],
  ['keepWithinDaily', 'withinDaily', '--keep-within-daily'],
  ['keepWithinWeekly', 'withinWeekly', '--keep-within-weekly'],
  ['keepWithinMonthly', 'withinMonthly', '--keep-within-monthly'],
  ['keepWithinYearly', 'withinYearly', '--keep-within-yearly'],
] as const;

export function policyFrom(flags: ForgetFlags): RetentionPolicy {
  const p: RetentionPolicy = {};
  for (const [flag, key, name] of COUNTS) {
    const v = flags[flag];
    if (v !== undefined) p[key] = parseKeepCount(v, name);
  }
  for (const [flag, key, name] of DURATIONS) {
    const v = flags[flag];
    if (v !== undefined) p[key] = parseRetentionDuration(v, name);
  }
  if (flags.keepTag.length > 0) p.tags = flags.keepTag.map(tagList);
  return p;
}

/** restic's PrintSnapshots for forget: oldest first, paths sorted as restic's grouping sorts them. */
function snapshotTable(
  snaps: StoredSnapshot[],
  reasons: KeepReason<StoredSnapshot>[],
  compact: boolean,
): string {
  const why = new Map(reasons.map((r) => [r.snapshot.id, r.matches]));
  const sorted = snaps.toReversed().map((s) => ({ ...s, paths: sortedNames(s.paths) }));
  return renderSnapshotTable(sorted, { compact, reasons: why });
}

function printText(ctx: CommandContext, o: ForgetOutcome, policy: RetentionPolicy, compact: boolean): void {
  if (o.groups.length > 0) ctx.print(`Applying Policy: ${describePolicy(policy)}`);
  for (const g of o.groups) {
    const header = groupHeader(g.key);
    if (header !== undefined) ctx.print(header);
    // restic leaves a blank line after each table.
    if (g.keep.length > 0)
      ctx.print(`keep ${g.keep.length} snapshots:\n${snapshotTable(g.keep, g.reasons, compact)}\n`);
    if (g.remove.length > 0)
      ctx.print(`remove ${g.remove.length} snapshots:\n${snapshotTable(g.remove, [], compact)}\n`);
  }
  if (o.removed.length === 0) return;
  if (o.dryRun)
    ctx.print(`Would have removed the following snapshots:\n{${o.removed.map(shortId).join(' ')}}\n`);
  else for (const id of o.removed) ctx.print(`removed snapshot ${shortId(id)}`);
}

/** restic 0.14's `forget --json`: one array of groups; paths (and tags when grouped by them) sorted as restic does. */
export function forgetJSON(o: ForgetOutcome, sortTags: boolean): unknown[] {
  const doc = (s: StoredSnapshot): StoredSnapshot => {
    const out = { ...s, paths: sortedNames(s.paths) };
    if (sortTags && s.tags !== undefined) out.tags = sortedNames(s.tags);
    return out;
  };
  const list = (snaps: StoredSnapshot[]): unknown =>
    snaps.length > 0 ? snaps.map((s) => snapshotJSON(doc(s))) : null;
  return o.groups.map((g) => ({
    tags: g.key.tags ?? null,
    host: g.key.host,
    paths: g.key.paths ?? null,
    keep: list(g.keep),
    remove: list(g.remove),
    reasons:
      g.reasons.length > 0
        ? g.reasons.map((r) => ({
            snapshot: snapshotDocJSON(doc(r.snapshot)),
            matches: r.matches,
            counters: r.counters,
          }))
        : null,
  }));
}

export function registerForget(program: Command, rt: CliRuntime): void {
  const cmd = program
    .command('forget')
    .description(DESCRIPTION)
    .argument('[snapshot...]', 'remove exactly these snapshots (ids, id prefixes or latest)')
    .option('-l, --keep-last <n>', 'keep the last n snapshots (-1: all)')
    .option('-H, --keep-hourly <n>', 'keep the last n hourly snapshots (-1: all)')
    .option('-d, --keep-daily <n>', 'keep the last n daily snapshots (-1: all)')
    .option('-w, --keep-weekly <n>', 'keep the last n weekly snapshots (-1: all)')
    .option('-m, --keep-monthly <n>', 'keep the last n monthly snapshots (-1: all)')
    .option('-y, --keep-yearly <n>', 'keep the last n yearly snapshots (-1: all)');
  for (const [, , flag] of DURATIONS) {
    const kind = flag === '--keep-within' ? '' : `${flag.slice('--keep-within-'.length)} `;
    cmd.option(
      `${flag} <duration>`,
      `keep ${kind}snapshots newer than duration (e.g. 1y5m7d2h) relative to the newest snapshot`,
    );
  }
  cmd.option(
    '--keep-tag <taglist>',
    'keep snapshots with these tags (repeatable; a,b means both)',
    collect,
    [],
  );
  addSnapshotFilterOptions(cmd, 'snapshots', '--host <hostname>')
    .option('-c, --compact', 'use compact output format')
    .option(
      '-g, --group-by <group>',
      "group snapshots by host, paths and/or tags ('' for no grouping)",
      'host,paths',
    )
    .option('-n, --dry-run', 'do not delete anything, only print what would be done')
    .option('--allow-empty', 'let the policy remove every snapshot of a group (refused without it)')
    .option(
      '--unsafe-allow-remove-all',
      'with a filter and no policy, remove every selected snapshot; let a policy remove all snapshots of a group',
    )
    .option('--prune', 'then remove the data no snapshot uses any more (as `cairn prune`, with its flags)');
  addPruneOptions(cmd).action(async (ids: string[], flags: ForgetFlags & PruneFlags, command: Command) =>
    rt.run(command, async (ctx) => {
      const policy = policyFrom(flags);
      const groupBy = parseGroupBy(flags.groupBy);
      const req: Parameters<typeof forgetSnapshots>[2] = {
        snapshots: ids,
        filter: filterFrom(flags),
        policy,
        groupBy,
      };
      if (flags.dryRun === true) req.dryRun = true;
      if (flags.allowEmpty === true) req.allowEmpty = true;
      if (flags.unsafeAllowRemoveAll === true) req.unsafeAllowRemoveAll = true;
      if (flags.prune === true) req.prune = pruneRequest(ctx, flags);
      req.onForgotten = (outcome): void => {
        if (!ctx.json) printText(ctx, outcome, policy, flags.compact === true);
        else if (outcome.groups.length > 0) ctx.write(jsonLine(forgetJSON(outcome, groupBy.tags)));
      };
      const { pruned } = await forgetSnapshots(ctx.deps(), await ctx.openOptions(), req);
      if (pruned) printPruneResult(ctx, pruned);
    }),
  );
}

/** `cairn prune`: delete data no snapshot uses (restic 0.14's plan, crash-safe order). */
import type { Command } from 'commander';
import type { MaxUnused, PruneRequest, PruneResult } from '../../app/index.js';
import { runPrune } from '../../app/index.js';
import { CairnError } from '../../core/index.js';
import { formatBytes } from '../output/format.js';
import { parseSize } from '../parse.js';
import type { CommandContext } from '../context.js';
import type { CliRuntime } from '../runtime.js';

/**
 * Test-only: SIGKILLs this process after that many durable changes (packs repacked, index files written or
 * deleted, packs deleted), so tests can prove that a kill at each of those moments leaves a sound repository.
 */
const KILL_AFTER_OPS = 'CAIRN_TEST_KILL_AFTER_OPS';

export interface PruneFlags {
  dryRun?: boolean;
  maxUnused: string;
  maxRepackSize?: string;
  repackCacheableOnly?: boolean;
  repackSmall?: boolean;
}

/** `--max-unused`: "unlimited", a percentage below 100 ("5%") or a size ("10M"). */
export function parseMaxUnused(text: string): MaxUnused {
  const t = text.trim();
  if (t === 'unlimited') return { kind: 'unlimited' };
  if (t.endsWith('%')) {
    const value = Number(t.slice(0, -1));
    if (t.length === 1 || !Number.isFinite(value) || value < 0 || value >= 100) {
      throw new CairnError('invalid-argument', `--max-unused "${text}" must be a percentage from 0% to below 100%.`);
    }
    return { kind: 'percent', value };
  }
  if (/^\s*\d+\s*[bBkKmMgGtT]?\s*$/.test(t)) return { kind: 'bytes', value: parseSize(t, '--max-unused') };
  throw new CairnError('invalid-argument', `--max-unused "${text}" must be "unlimited", a percentage like 5% or a size like 500M.`);
}

/** restic's summary lines (its `prune` output with verbosity 1). */
export function pruneText(r: PruneResult): string {
  const { blobs, size, packs } = r.stats;
  const n = (v: number): string => String(v).padStart(10);
  const pct = (part: number, whole: number): string => `${whole === 0 ? '0.00' : ((100 * part) / whole).toFixed(2)}%`;
  const totalBlobs = blobs.used + blobs.unused + blobs.duplicate;
  const totalSize = size.used + size.duplicate + size.unused + size.unref;
  const unusedSize = size.duplicate + size.unused;
  const pruned = size.remove + size.repackrm + size.unref;
  const prunedBlobs = blobs.remove + blobs.repackrm;
  const unusedAfter = unusedSize - size.remove - size.repackrm;
  const lines = [
    '',
    `used:         ${n(blobs.used)} blobs / ${formatBytes(size.used)}`,
    ...(blobs.duplicate > 0 ? [`duplicates:   ${n(blobs.duplicate)} blobs / ${formatBytes(size.duplicate)}`] : []),
    `unused:       ${n(blobs.unused)} blobs / ${formatBytes(size.unused)}`,
    ...(size.unref > 0 ? [`unreferenced:                    ${formatBytes(size.unref)}`] : []),
    `total:        ${n(totalBlobs)} blobs / ${formatBytes(totalSize)}`,
    `unused size: ${pct(unusedSize, totalSize)} of total size`,
    '',
    `to repack:    ${n(blobs.repack)} blobs / ${formatBytes(size.repack)}`,
    `this removes: ${n(blobs.repackrm)} blobs / ${formatBytes(size.repackrm)}`,
    `to delete:    ${n(blobs.remove)} blobs / ${formatBytes(size.remove + size.unref)}`,
    `total prune:  ${n(prunedBlobs)} blobs / ${formatBytes(pruned)}`,
    `remaining:    ${n(totalBlobs - prunedBlobs)} blobs / ${formatBytes(totalSize - pruned)}`,
    `unused size after prune: ${formatBytes(unusedAfter)} (${pct(unusedAfter, totalSize - pruned)} of remaining size)`,
    '',
    `totally used packs: ${n(packs.used)}`,
    `partly used packs:  ${n(packs.partlyUsed)}`,
    `unused packs:       ${n(packs.unused)}`,
    '',
    `to keep:      ${n(packs.keep)} packs`,
    `to repack:    ${n(packs.repack)} packs`,
    `to delete:    ${n(packs.remove)} packs`,
    ...(packs.unref > 0 ? [`to delete:    ${n(packs.unref)} unreferenced packs`] : []),
    ...(r.packs.ignoredMissing.length > 0
      ? [`missing but unneeded packs the index names, to forget: ${r.packs.ignoredMissing.length}`]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

export function pruneJSON(r: PruneResult): Record<string, unknown> {
  const { blobs, size, packs } = r.stats;
  const pruned = size.remove + size.repackrm + size.unref;
  return {
    message_type: 'summary',
    dry_run: r.dryRun,
    blobs,
    sizes: size,
    packs,
    space_freed: pruned,
    packs_unreferenced: r.packs.unreferenced,
    packs_to_repack: r.packs.repack,
    packs_to_delete: r.packs.remove,
    index_files_written: r.indexFiles.written,
    index_files_removed: r.indexFiles.removed,
  };
}

/** The test hook of {@link KILL_AFTER_OPS}, if set. */
function killHook(): (() => void) | undefined {
  const limit = Number(process.env[KILL_AFTER_OPS]);
  if (!Number.isInteger(limit) || limit < 1) return undefined;
  let ops = 0;
  return () => {
    if (++ops >= limit) process.kill(process.pid, 'SIGKILL');
  };
}

/** prune's flags, also taken by `forget --prune` as restic does. */
export function addPruneOptions(cmd: Command): Command {
  return cmd
    .option('--max-unused <limit>', 'tolerate this much unused data: a size, a percentage or "unlimited"', '5%')
    .option('--max-repack-size <size>', 'repack at most this much data (suffixes k, m, g, t)')
    .option('--repack-cacheable-only', 'repack only packs of trees')
    .option('--repack-small', 'also repack packs below 80% of the pack size');
}

/** Runs prune with these flags and prints its plan and result. */
/** prune's request from its flags, printing its steps and plan as it goes (not with --json). */
export function pruneRequest(ctx: CommandContext, flags: PruneFlags): PruneRequest {
  const req: PruneRequest = {
    maxUnused: parseMaxUnused(flags.maxUnused),
    onStep: (m) => {
      if (!ctx.json) ctx.print(m);
    },
  };
  if (flags.maxRepackSize !== undefined) req.maxRepackBytes = parseSize(flags.maxRepackSize, '--max-repack-size');
  if (flags.repackCacheableOnly === true) req.repackCacheableOnly = true;
  if (flags.repackSmall === true) req.repackSmall = true;
  if (flags.dryRun === true) req.dryRun = true;
  const hook = killHook();
  if (hook) req.onOperation = hook;
  // The plan is shown before prune acts on it, as restic does.
  req.onPlan = (plan) => {
    if (!ctx.json) ctx.write(pruneText(plan));
  };
  return req;
}

/** prune's last words: its JSON summary, or the dry run's line. */
export function printPruneResult(ctx: CommandContext, result: PruneResult): void {
  if (ctx.json) ctx.printJSON(pruneJSON(result));
  else if (result.dryRun) ctx.print('dry run: nothing was changed');
}

async function pruneWithFlags(ctx: CommandContext, flags: PruneFlags): Promise<void> {
  printPruneResult(ctx, await runPrune(ctx.deps(), await ctx.openOptions(), pruneRequest(ctx, flags)));
}

export function registerPrune(program: Command, rt: CliRuntime): void {
  addPruneOptions(
    program
      .command('prune')
      .description('remove data that no snapshot uses')
      .option('-n, --dry-run', 'only show what would be deleted and repacked'),
  ).action(async (flags: PruneFlags, cmd: Command) => rt.run(cmd, (ctx) => pruneWithFlags(ctx, flags)));
}

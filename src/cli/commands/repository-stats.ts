/** `cairn stats [SNAPSHOT…]`: sizes in one of restic's four modes. */
import type { Command } from 'commander';
import type { SnapshotStats, StatsMode } from '../../app/index.js';
import { repositoryStats } from '../../app/index.js';
import { CairnError } from '../../core/index.js';
import { formatBytes } from '../output/format.js';
import type { CliRuntime } from '../runtime.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

const MODES: StatsMode[] = ['restore-size', 'files-by-contents', 'raw-data', 'blobs-per-file'];

/** Label and formatting of each known result field, in restic's order. */
const FIELDS: [string, string, boolean][] = [
  ['snapshots_count', 'Snapshots processed', false],
  ['total_file_count', 'Total File Count', false],
  ['total_blob_count', 'Total Blob Count', false],
  ['total_size', 'Total Size', true],
  ['total_uncompressed_size', 'Total Uncompressed Size', true],
];

export function statsText(mode: StatsMode, result: SnapshotStats): string {
  const stats = result as unknown as Record<string, unknown>;
  const lines = [`Stats in ${mode} mode:`];
  for (const [key, label, bytes] of FIELDS) {
    const v = stats[key];
    if (typeof v !== 'number') continue;
    lines.push(`${label.padStart(24)}:  ${bytes ? formatBytes(v) : String(v)}`);
  }
  const ratio = stats.compression_ratio;
  if (typeof ratio === 'number') lines.push(`${'Compression Ratio'.padStart(24)}:  ${ratio.toFixed(2)}x`);
  return `${lines.join('\n')}\n`;
}

export function registerStats(program: Command, rt: CliRuntime): void {
  addSnapshotFilterOptions(
    program
      .command('stats')
      .description('show sizes of snapshots or of the repository')
      .argument('[snapshots...]', 'snapshots to count (default: all)')
      .option('--mode <mode>', `counting mode: ${MODES.join(', ')}`, 'restore-size'),
  ).action(async (snapshots: string[], flags: FilterFlags & { mode: string }, cmd: Command) =>
    rt.run(cmd, async (ctx) => {
      const mode = flags.mode as StatsMode;
      if (!MODES.includes(mode)) {
        throw new CairnError(
          'invalid-argument',
          `--mode "${flags.mode}" must be one of ${MODES.join(', ')}.`,
        );
      }
      const stats = await repositoryStats(ctx.deps(), await ctx.openOptions(), {
        snapshots,
        mode,
        filter: filterFrom(flags),
      });
      if (ctx.json) ctx.printJSON(stats);
      else ctx.write(statsText(mode, stats));
    }),
  );
}

/** `cairn diff SNAP1 SNAP2`: what changed between two snapshots. */
import type { Command } from 'commander';
import type { DiffTotals } from '../../app/index.js';
import { diffFiles } from '../../app/index.js';
import { formatBytes } from '../output/format.js';
import { jsonLine } from '../output/json.js';
import type { CliRuntime } from '../runtime.js';

type Counts = DiffTotals['added'];

function countsJSON(c: Counts): Record<string, number> {
  return {
    files: c.files,
    dirs: c.dirs,
    others: c.others,
    data_blobs: c.dataBlobs,
    tree_blobs: c.treeBlobs,
    bytes: c.bytes,
  };
}

/** restic's closing statistics of `diff`. */
export function diffSummaryText(t: DiffTotals): string {
  const n = (x: number): string => String(x).padStart(5);
  const pair = (label: string, a: number, r: number): string =>
    `${label.padEnd(12)}${n(a)} new, ${n(r)} removed`;
  return [
    `${pair('Files:', t.added.files, t.removed.files)}, ${n(t.changedFiles)} changed`,
    pair('Dirs:', t.added.dirs, t.removed.dirs),
    pair('Others:', t.added.others, t.removed.others),
    pair('Data Blobs:', t.added.dataBlobs, t.removed.dataBlobs),
    pair('Tree Blobs:', t.added.treeBlobs, t.removed.treeBlobs),
    `  Added:   ${formatBytes(t.added.bytes)}`,
    `  Removed: ${formatBytes(t.removed.bytes)}`,
  ].join('\n');
}

export function registerDiff(program: Command, rt: CliRuntime): void {
  program
    .command('diff')
    .description('show differences between two snapshots')
    .argument('<snapshot1>')
    .argument('<snapshot2>')
    .option('--metadata', 'also show metadata-only changes (U)')
    .action(async (a: string, b: string, flags: { metadata?: boolean }, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        if (!ctx.json) ctx.print(`comparing snapshot ${a} to ${b}:\n`);
        const req = flags.metadata === true ? { a, b, metadata: true } : { a, b };
        const r = await diffFiles(ctx.deps(), await ctx.openOptions(), req, (c) => {
          if (ctx.json) ctx.write(jsonLine({ message_type: 'change', path: c.path, modifier: c.modifiers }));
          else ctx.write(`${c.modifiers.padEnd(5)}${c.path}\n`);
        });
        if (ctx.json) {
          ctx.printJSON({
            message_type: 'statistics',
            source_snapshot: r.a.id,
            target_snapshot: r.b.id,
            changed_files: r.totals.changedFiles,
            added: countsJSON(r.totals.added),
            removed: countsJSON(r.totals.removed),
          });
        } else ctx.print(`\n${diffSummaryText(r.totals)}`);
      }),
    );
}

/** `cairn snapshots`: list snapshots as a table or restic's JSON. */
import type { Command } from 'commander';
import { listSnapshotsUseCase } from '../../app/index.js';
import type { StoredSnapshot } from '../../core/index.js';
import { formatLocalTime } from '../output/format.js';
import { snapshotJSON } from '../output/json.js';
import { renderTable } from '../output/table.js';
import { parsePositiveInt } from '../parse.js';
import type { CliRuntime } from '../runtime.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

export function snapshotsTable(snaps: StoredSnapshot[]): string {
  const rows = snaps.map((s) => [
    s.id.slice(0, 8),
    formatLocalTime(s.time),
    s.hostname ?? '',
    (s.tags ?? []).join('\n'),
    s.paths.join('\n'),
  ]);
  const columns = ['ID', 'Time', 'Host', 'Tags', 'Paths'].map((title) => ({ title }));
  return renderTable(columns, rows, `${snaps.length} snapshot${snaps.length === 1 ? '' : 's'}`);
}

export function registerSnapshots(program: Command, rt: CliRuntime): void {
  addSnapshotFilterOptions(program.command('snapshots').description('list snapshots'))
    .option('--latest <n>', 'only the newest n snapshots of each host and path set')
    .action(async (flags: FilterFlags & { latest?: string }, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const req: Parameters<typeof listSnapshotsUseCase>[2] = { filter: filterFrom(flags) };
        if (flags.latest !== undefined) req.latest = parsePositiveInt(flags.latest, '--latest');
        const snaps = await listSnapshotsUseCase(ctx.deps(), await ctx.openOptions(), req);
        if (ctx.json) ctx.write(`${JSON.stringify(snaps.map(snapshotJSON))}\n`);
        else ctx.write(snapshotsTable(snaps));
      }),
    );
}

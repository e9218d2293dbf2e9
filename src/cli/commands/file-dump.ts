/** `cairn dump SNAPSHOT PATH`: a file's bytes, or a folder as tar or zip, on stdout. */
import type { Command } from 'commander';
import { dumpPath } from '../../app/index.js';
import { CairnError } from '../../core/index.js';
import type { CliRuntime } from '../runtime.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

export function registerDump(program: Command, rt: CliRuntime): void {
  addSnapshotFilterOptions(
    program
      .command('dump')
      .description('write a file of a snapshot to stdout (a folder as a tar or zip archive)')
      .argument('<snapshot>', "snapshot id, unique prefix or 'latest'")
      .argument('<path>', 'path inside the snapshot')
      .option('-a, --archive <format>', 'archive format for folders: tar or zip', 'tar'),
    "snapshots for 'latest'",
  ).action(async (snapshot: string, path: string, flags: FilterFlags & { archive: string }, cmd: Command) =>
    rt.run(cmd, async (ctx) => {
      if (flags.archive !== 'tar' && flags.archive !== 'zip')
        throw new CairnError('invalid-argument', `--archive "${flags.archive}" is not supported; use tar or zip.`);
      await dumpPath(
        ctx.deps(),
        await ctx.openOptions(),
        { snapshot, path, archive: flags.archive, filter: filterFrom(flags) },
        ctx.io.stdout,
      );
    }),
  );
}

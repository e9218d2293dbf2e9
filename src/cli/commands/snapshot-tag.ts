/** `cairn tag [ID…] --add/--remove/--set T`: change snapshot tags as restic does. */
import type { Command } from 'commander';
import { tagSnapshots } from '../../app/index.js';
import { collect, tagList } from '../parse.js';
import type { CliRuntime } from '../runtime.js';
import type { FilterFlags } from './shared.js';
import { addSnapshotFilterOptions, filterFrom } from './shared.js';

interface TagFlags extends FilterFlags {
  add: string[];
  remove: string[];
  set: string[];
}

/** restic's TagLists flattened; `--set ''` stays one empty tag, which means no tags. */
const flatten = (values: string[]): string[] => values.flatMap(tagList);

export function registerTag(program: Command, rt: CliRuntime): void {
  addSnapshotFilterOptions(
    program
      .command('tag')
      .description(
        'add, remove or set the tags of snapshots (each is saved anew with "original" set, then the old file deleted)',
      )
      .argument(
        '[snapshot-ids...]',
        "snapshots to change (ids, unique prefixes or 'latest'; default: all that match the filter)",
      ),
    'snapshots',
  )
    .option('--add <tags>', 'add these tags (comma-separated, repeatable)', collect, [])
    .option('--remove <tags>', 'remove these tags (comma-separated, repeatable)', collect, [])
    .option(
      '--set <tags>',
      "replace the tags with these ('' for none; comma-separated, repeatable)",
      collect,
      [],
    )
    .action(async (ids: string[], flags: TagFlags, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const change = { set: flatten(flags.set), add: flatten(flags.add), remove: flatten(flags.remove) };
        const n = await tagSnapshots(ctx.deps(), await ctx.openOptions(), {
          ids,
          filter: filterFrom(flags),
          change,
        });
        ctx.print(n === 0 ? 'no snapshots were modified' : `modified tags on ${n} snapshots`);
      }),
    );
}

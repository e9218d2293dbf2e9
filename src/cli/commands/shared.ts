/** Flag groups several commands share. */
import type { Command } from 'commander';
import type { SnapshotFilter } from '../../app/index.js';
import { collect, tagGroups } from '../parse.js';

/** restic's `--host`, `--tag`, `--path` snapshot selection (each repeatable); forget gives -H to --keep-hourly. */
export function addSnapshotFilterOptions(cmd: Command, what = 'snapshots', hostFlag = '-H, --host <hostname>'): Command {
  return cmd
    .option(hostFlag, `only consider ${what} of this host (repeatable)`, collect, [])
    .option(
      '--tag <tag[,tag]>',
      `only consider ${what} with these tags (repeatable; a,b means both)`,
      collect,
      [],
    )
    .option('--path <path>', `only consider ${what} with this path (repeatable)`, collect, []);
}

export interface FilterFlags {
  host?: string[];
  tag?: string[];
  path?: string[];
}

export function filterFrom(flags: FilterFlags): SnapshotFilter {
  const f: SnapshotFilter = {};
  if (flags.host && flags.host.length > 0) f.hosts = flags.host;
  const tags = tagGroups(flags.tag ?? []);
  if (tags.length > 0) f.tags = tags;
  if (flags.path && flags.path.length > 0) f.paths = flags.path;
  return f;
}

/** restic's `--group-by host,paths,tags`: the groups a retention policy is applied to one by one. */
import type { Snapshot } from '../core/index.js';
import { CairnError } from '../core/index.js';
import { compareNames } from '../snapshot/index.js';

export interface GroupBy {
  host: boolean;
  paths: boolean;
  tags: boolean;
}

/** What a group's snapshots share; a part that is not grouped by is undefined (restic's JSON: "" or null). */
export interface GroupKey {
  host: string;
  paths: string[] | undefined;
  tags: string[] | undefined;
}

export interface SnapshotGroup<T> {
  key: GroupKey;
  snapshots: T[];
}

/** "host,paths" (the default), "host,tags", "" (no grouping); singular forms are accepted as restic does. */
export function parseGroupBy(text: string): GroupBy {
  const g: GroupBy = { host: false, paths: false, tags: false };
  for (const option of text.split(',')) {
    if (option === 'host' || option === 'hosts') g.host = true;
    else if (option === 'path' || option === 'paths') g.paths = true;
    else if (option === 'tag' || option === 'tags') g.tags = true;
    else if (option !== '') {
      throw new CairnError(
        'invalid-argument',
        `--group-by "${text}" has the unknown option "${option}": use host, paths and tags, separated by commas.`,
      );
    }
  }
  return g;
}

/** Sorted in Go's byte order, as restic sorts paths and tags before grouping. */
export function sortedNames(names: readonly string[] | undefined): string[] {
  return [...(names ?? [])].sort(compareNames);
}

/** Splits snapshots into groups (each in the given order); groups are ordered by their key. */
export function groupSnapshots<T extends Snapshot>(snapshots: readonly T[], by: GroupBy): SnapshotGroup<T>[] {
  const groups = new Map<string, SnapshotGroup<T>>();
  for (const s of snapshots) {
    const tags = by.tags && (s.tags ?? []).length > 0 ? sortedNames(s.tags) : undefined;
    const key: GroupKey = {
      host: by.host ? (s.hostname ?? '') : '',
      paths: by.paths ? sortedNames(s.paths) : undefined,
      tags,
    };
    const id = JSON.stringify([key.host, key.paths ?? null, key.tags ?? null]);
    let g = groups.get(id);
    if (g === undefined) groups.set(id, (g = { key, snapshots: [] }));
    g.snapshots.push(s);
  }
  return [...groups.entries()].sort(([a], [b]) => compareNames(a, b)).map(([, g]) => g);
}

/**
 * When `copy` counts a snapshot as already copied (restic 0.17's rule, so re-running copy adds nothing), and what
 * the copy of a snapshot looks like.
 */
import type { Id, Snapshot, StoredSnapshot } from '../core/index.js';
import { parseTime } from '../snapshot/index.js';

/** The persistent identity of a snapshot across copies: its `original`, else its own id. */
export function originalId(s: StoredSnapshot): Id {
  return s.original ?? s.id;
}

function sameInstant(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return parseTime(a) === parseTime(b);
  } catch {
    return false;
  }
}

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && y.every((v) => x.includes(v));
}

/**
 * restic's `similarSnapshots`: everything except `parent` and `original` matches. Time is compared as an instant,
 * paths and tags as sets of the same size, excludes in order; absent host/user and uid/gid count as "" and 0.
 */
export function similarSnapshots(a: Snapshot, b: Snapshot): boolean {
  if (!sameInstant(a.time, b.time) || a.tree !== b.tree) return false;
  if ((a.hostname ?? '') !== (b.hostname ?? '') || (a.username ?? '') !== (b.username ?? '')) return false;
  if ((a.uid ?? 0) !== (b.uid ?? 0) || (a.gid ?? 0) !== (b.gid ?? 0)) return false;
  if (!sameSet(a.paths, b.paths) || !sameSet(a.tags, b.tags)) return false;
  const ea = a.excludes ?? [];
  const eb = b.excludes ?? [];
  return ea.length === eb.length && ea.every((v, i) => v === eb[i]);
}

/**
 * The destination's snapshots by identity: each under its `original` (a copy) and under its own id (the
 * destination may hold the very snapshot, e.g. a copy of a copy going back).
 */
export class CopiedSnapshots {
  private readonly byOriginal = new Map<Id, StoredSnapshot[]>();

  constructor(destination: Iterable<StoredSnapshot>) {
    for (const s of destination) this.add(s);
  }

  add(s: StoredSnapshot): void {
    const keys = s.original !== undefined && s.original !== s.id ? [s.original, s.id] : [s.id];
    for (const k of keys) {
      const list = this.byOriginal.get(k);
      if (list === undefined) this.byOriginal.set(k, [s]);
      else list.push(s);
    }
  }

  /** The destination snapshot that already is a copy of `source`, if any. */
  find(source: StoredSnapshot): StoredSnapshot | undefined {
    return this.byOriginal.get(originalId(source))?.find((d) => similarSnapshots(d, source));
  }
}

/** The snapshot document written to the destination: same fields, no parent, `original` kept or set. */
export function copiedSnapshot(source: StoredSnapshot): Snapshot {
  const { id, parent: _parent, ...rest } = source;
  return { ...rest, original: source.original ?? id };
}

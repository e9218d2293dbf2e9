import { CairnError, isId } from '../core/index.js';
import type { Snapshot, SnapshotSummary } from '../core/index.js';
import { goJsonString } from './go-json.js';

const SUMMARY_COUNTS = [
  'files_new',
  'files_changed',
  'files_unmodified',
  'dirs_new',
  'dirs_changed',
  'dirs_unmodified',
  'data_blobs',
  'tree_blobs',
  'data_added',
  'data_added_packed',
  'total_files_processed',
  'total_bytes_processed',
] as const;

function strings(list: readonly string[]): string {
  return `[${list.map(goJsonString).join(',')}]`;
}

function encodeSummary(s: SnapshotSummary): string {
  let out = `{"backup_start":${goJsonString(s.backup_start)},"backup_end":${goJsonString(s.backup_end)}`;
  for (const key of SUMMARY_COUNTS) out += `,"${key}":${s[key]}`;
  return out + '}';
}

/**
 * A snapshot document as restic writes it: fields in Go struct order, empty ones omitted (section 9 of the
 * format notes), no trailing newline. `program_version` and `summary` are restic ≥ 0.17 fields older readers ignore.
 */
export function encodeSnapshot(s: Snapshot): Buffer {
  let out = `{"time":${goJsonString(s.time)}`;
  if (s.parent !== undefined) out += `,"parent":"${s.parent}"`;
  out += `,"tree":"${s.tree}","paths":${strings(s.paths)}`;
  if (s.hostname) out += `,"hostname":${goJsonString(s.hostname)}`;
  if (s.username) out += `,"username":${goJsonString(s.username)}`;
  if (s.uid) out += `,"uid":${s.uid}`;
  if (s.gid) out += `,"gid":${s.gid}`;
  if (s.excludes && s.excludes.length > 0) out += `,"excludes":${strings(s.excludes)}`;
  if (s.tags && s.tags.length > 0) out += `,"tags":${strings(s.tags)}`;
  if (s.original !== undefined) out += `,"original":"${s.original}"`;
  if (s.program_version) out += `,"program_version":${goJsonString(s.program_version)}`;
  if (s.summary !== undefined) out += `,"summary":${encodeSummary(s.summary)}`;
  return Buffer.from(out + '}', 'utf8');
}

type Json = Record<string, unknown>;

function corrupt(what: string): CairnError {
  return new CairnError('corrupt', `Snapshot is malformed: ${what}.`);
}

function id(o: Json, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !isId(v)) throw corrupt(`"${key}" is not an id`);
  return v;
}

function str(o: Json, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw corrupt(`"${key}" is not a string`);
  return v;
}

function num(o: Json, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw corrupt(`"${key}" is not an unsigned integer`);
  return v;
}

function list(o: Json, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw corrupt(`"${key}" is not a list of strings`);
  return v;
}

function decodeSummary(v: unknown): SnapshotSummary {
  if (typeof v !== 'object' || v === null) throw corrupt('"summary" is not an object');
  const o = v as Json;
  const summary = {
    backup_start: str(o, 'backup_start') ?? '',
    backup_end: str(o, 'backup_end') ?? '',
  } as SnapshotSummary;
  for (const key of SUMMARY_COUNTS) summary[key] = num(o, key) ?? 0;
  return summary;
}

/** Parses a snapshot document (restic 0.14 or newer; unknown fields are ignored). Throws CairnError 'corrupt'. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new CairnError('corrupt', 'Snapshot is not valid JSON.', { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw corrupt('not an object');
  const o = doc as Json;
  const time = str(o, 'time');
  const tree = id(o, 'tree');
  if (time === undefined) throw corrupt('no "time"');
  if (tree === undefined) throw corrupt('no "tree"');
  const snap: Snapshot = { time, tree, paths: list(o, 'paths') ?? [] };
  const parent = id(o, 'parent');
  if (parent !== undefined) snap.parent = parent;
  for (const key of ['hostname', 'username', 'program_version'] as const) {
    const v = str(o, key);
    if (v !== undefined) snap[key] = v;
  }
  for (const key of ['uid', 'gid'] as const) {
    const v = num(o, key);
    if (v !== undefined) snap[key] = v;
  }
  for (const key of ['excludes', 'tags'] as const) {
    const v = list(o, key);
    if (v !== undefined) snap[key] = v;
  }
  const original = id(o, 'original');
  if (original !== undefined) snap.original = original;
  if (o.summary !== undefined && o.summary !== null) snap.summary = decodeSummary(o.summary);
  return snap;
}

import type { Id } from '../core/index.js';
import { CairnError, isId } from '../core/index.js';
import type { IndexFile, IndexPack, PackBlob } from './types.js';

function blobJson(b: PackBlob): string {
  // Key order is restic's: id, type, offset, length, uncompressed_length (only for compressed blobs).
  const ul = b.uncompressedLength === undefined ? '' : `,"uncompressed_length":${b.uncompressedLength}`;
  return `{"id":"${b.id}","type":"${b.type}","offset":${b.offset},"length":${b.length}${ul}}`;
}

/** An index file's JSON as restic writes it: `supersedes` omitted when empty, a trailing newline. */
export function encodeIndex(index: IndexFile): Buffer {
  const parts: string[] = ['{'];
  if (index.supersedes.length > 0) parts.push(`"supersedes":${JSON.stringify(index.supersedes)},`);
  parts.push('"packs":[');
  index.packs.forEach((p, i) => {
    if (i > 0) parts.push(',');
    parts.push(`{"id":"${p.id}","blobs":[${p.blobs.map(blobJson).join(',')}]}`);
  });
  parts.push(']}\n');
  return Buffer.from(parts.join(''));
}

function bad(what: string, detail: string): CairnError {
  return new CairnError('corrupt', `${what} is not a valid index: ${detail}.`);
}

function uint(v: unknown, field: string, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(what, `${field} is not a non-negative integer`);
  return v;
}

function decodeBlob(raw: unknown, what: string): PackBlob {
  const b = raw as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null) throw bad(what, 'a blob entry is not an object');
  if (typeof b.id !== 'string' || !isId(b.id)) throw bad(what, 'a blob id is invalid');
  if (b.type !== 'data' && b.type !== 'tree') throw bad(what, `blob ${b.id} has an unknown type`);
  const blob: PackBlob = {
    id: b.id,
    type: b.type,
    offset: uint(b.offset, 'offset', what),
    length: uint(b.length, 'length', what),
  };
  if (b.uncompressed_length !== undefined && b.uncompressed_length !== null && b.uncompressed_length !== 0) {
    blob.uncompressedLength = uint(b.uncompressed_length, 'uncompressed_length', what);
  }
  return blob;
}

function decodePack(raw: unknown, what: string): IndexPack {
  const p = raw as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null) throw bad(what, 'a pack entry is not an object');
  if (typeof p.id !== 'string' || !isId(p.id)) throw bad(what, 'a pack id is invalid');
  const blobs = p.blobs ?? [];
  if (!Array.isArray(blobs)) throw bad(what, `pack ${p.id} has no blob list`);
  return { id: p.id, blobs: blobs.map((b) => decodeBlob(b, what)) };
}

/** Parses an index file's JSON; the legacy form (a bare array of packs) is accepted. */
export function decodeIndex(json: Uint8Array, what = 'The index file'): IndexFile {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'));
  } catch (err) {
    throw new CairnError('corrupt', `${what} is not valid JSON.`, { cause: err });
  }
  if (Array.isArray(doc)) return { supersedes: [], packs: doc.map((p) => decodePack(p, what)) };
  const d = doc as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null) throw bad(what, 'not an object');
  const supersedes = d.supersedes ?? [];
  if (!Array.isArray(supersedes) || !supersedes.every((s) => typeof s === 'string' && isId(s))) {
    throw bad(what, 'supersedes is not a list of ids');
  }
  const packs = d.packs ?? [];
  if (!Array.isArray(packs)) throw bad(what, 'packs is not a list');
  return { supersedes: supersedes as Id[], packs: packs.map((p) => decodePack(p, what)) };
}
